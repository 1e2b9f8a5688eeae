// The example's Next.js configuration: nothing to set for the guard.
export default {};
