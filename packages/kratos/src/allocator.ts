/**
 * ALLOCATOR_ENV is glibc's malloc tuning the service runs with, wherever it runs: the image's ENV, make run,
 * kratos-ts run and the tests and bench that measure the binary.
 * - MALLOC_ARENA_MAX=2: glibc makes an arena per thread, each keeping what it freed; two keep RSS near the heap.
 * - MALLOC_MMAP_THRESHOLD_=32768: a block of 32 KiB and up that the heap's top cannot hold (socket reads, HTTP/2
 *   buffers waiting for V8's next GC) is mapped and unmapped whole; in the heap they left up to 60 MiB of holes.
 *   A fixed threshold also stops glibc from raising it, and the trim threshold, as big blocks are freed.
 * - MALLOC_TOP_PAD_=1048576: the heap grows and is trimmed 1 MiB at a time, so SQLite's 86 KiB page cache for
 *   each RETURNING statement is taken from the top instead of an mmap and munmap per call (15 % of gRPC's CPU).
 *
 * @example
 * spawn(process.execPath, ["dist/cmd/helloworld/main.js"], { env: { ...ALLOCATOR_ENV, ...process.env } });
 */
export const ALLOCATOR_ENV: Readonly<Record<string, string>> = Object.freeze({
  MALLOC_ARENA_MAX: "2",
  MALLOC_MMAP_THRESHOLD_: "32768",
  MALLOC_TOP_PAD_: "1048576",
});
