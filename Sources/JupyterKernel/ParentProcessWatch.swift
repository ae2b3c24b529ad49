import Foundation

/// Ends the kernel when the frontend process that launched it is gone.
/// jupyter_client names itself in `JPY_PARENT_PID`; if that process dies
/// without a shutdown_request (killed, crashed), the kernel is re-parented and
/// would otherwise run on, orphaned, forever. Polling `getppid()` is used
/// rather than Linux's parent-death signal, which fires when the launching
/// *thread* ends, and frontends launch kernels from worker threads.
enum ParentProcessWatch {
    static func start(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let declared = environment["JPY_PARENT_PID"].flatMap({ Int32($0) }), declared > 1,
              getppid() == declared else { return }
        let thread = Thread {
            while getppid() == declared {
                usleep(500_000)
            }
            KernelLog.write("the frontend (pid \(declared)) is gone; exiting")
            fflush(nil)
            _exit(0)
        }
        thread.name = "loralab-parent-watch"
        thread.start()
    }
}
