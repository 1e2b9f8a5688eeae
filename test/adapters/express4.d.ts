// Express 4 is installed as `express4` (npm alias); @types/express describes the API both share.
declare module 'express4' {
  import express from 'express';
  export default express;
}
