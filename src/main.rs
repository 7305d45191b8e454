fn main() -> std::process::ExitCode {
    limit_malloc_arenas();
    soconform::cli::main()
}

/// glibc gives each thread that allocates its own malloc arena; the suite's short-lived
/// per-exchange strings, allocated on one worker and freed on another, then leave every
/// arena half empty, and the resident set grows to twice the live heap (measured with
/// massif: ~20 MB live, ~45 MB resident for the `select` concern). Two arenas keep the
/// contention low on the two cores this runs on and the footprint near the live heap.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    const M_ARENA_MAX: i32 = -8;
    extern "C" {
        fn mallopt(param: i32, value: i32) -> i32;
    }
    // SAFETY: mallopt only sets an allocator tunable; it is called before any thread starts.
    unsafe {
        mallopt(M_ARENA_MAX, 2);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}
