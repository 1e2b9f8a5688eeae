// placeholder: replaced by the emulator CLI work (created by the runtimes/packaging work so the build runs).
export {};
