-- Signed STK/USSD pushes (bench/run.sh sets REQUESTS, TOKEN, THREADS).
API_PATH_DEFAULT = "/v3-apis/payment-api/v3.0/stkussdpush/initiate"
dofile((os.getenv("BENCH_DIR") or "bench") .. "/signed.lua")
