-- wrk script: each request takes the next pre-signed STK push from bench/stk-requests.tsv.
local requests = {}
local token = os.getenv("TOKEN")

function init(args)
  local file = io.open(os.getenv("REQUESTS") or "bench/stk-requests.tsv", "r")
  local all = {}
  for line in file:lines() do all[#all + 1] = line end
  file:close()
  -- Each wrk thread takes its own slice so references stay unique across threads.
  local threads = tonumber(os.getenv("THREADS") or "2")
  for i = 1, #all do
    if (i % threads) == (thread_id % threads) then requests[#requests + 1] = all[i] end
  end
  position = 0
end

thread_counter = 0
function setup(thread)
  thread:set("thread_id", thread_counter)
  thread_counter = thread_counter + 1
end

function request()
  position = position % #requests + 1
  local signature, body = requests[position]:match("([^\t]+)\t(.+)")
  return wrk.format("POST", "/v3-apis/payment-api/v3.0/stkussdpush/initiate", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["Signature"] = signature,
  }, body)
end
