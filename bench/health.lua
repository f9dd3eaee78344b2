-- GET /__sandbox/health: no request() function, so wrk sends one prebuilt request.
dofile((os.getenv("BENCH_DIR") or "bench") .. "/report.lua")
wrk.path = "/__sandbox/health"
