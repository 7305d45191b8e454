/// mimalloc rather than glibc's malloc: a run allocates and frees short-lived strings and
/// bodies by the million across two worker threads, and glibc's arenas spent a fifth of
/// the suite's CPU in malloc, free and their locks (BENCHMARKS.md, issue 25). Built
/// without transparent huge pages, which would back every arena with 2 MiB pages and
/// raise the resident set by half.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    soconform::cli::main()
}
