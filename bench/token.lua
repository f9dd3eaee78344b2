-- Token issue: one static request, so wrk builds it once.
dofile((os.getenv("BENCH_DIR") or "bench") .. "/report.lua")
wrk.method = "POST"
wrk.path = "/authentication/api/v3/authenticate/merchant"
wrk.headers["Api-Key"] = "SANDBOX-API-KEY"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"merchantCode":"9999999999","consumerSecret":"sandbox-secret"}'
