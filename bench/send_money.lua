-- Signed within-Equity transfers (bench/run.sh sets REQUESTS, TOKEN, THREADS).
API_PATH_DEFAULT = "/v3-apis/transaction-api/v3.0/remittance/internalBankTransfer"
dofile((os.getenv("BENCH_DIR") or "bench") .. "/signed.lua")
