-- Unsigned STK pushes with references made up as they go (the soak runs the sandbox with
-- --signature-mode off, so a million requests need no pre-signing). bench/soak.sh sets TOKEN,
-- RUN (a letter, new for each wrk run) and CALLBACK; each thread numbers its own references.
dofile((os.getenv("BENCH_DIR") or "bench") .. "/report.lua")

thread_counter = 0
function setup(thread)
  thread:set("thread_id", thread_counter)
  thread_counter = thread_counter + 1
end

local counter = 0
local headers
local template

function init(args)
  headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. os.getenv("TOKEN"),
  }
  template = '{"merchant":{"accountNumber":"0170194290581","countryCode":"KE","name":"Bench Ltd"},'
    .. '"payment":{"ref":"%s","amount":"5.00","currency":"KES","telco":"Equitel",'
    .. '"mobileNumber":"254764555291","date":"2024-08-13","callBackUrl":"' .. os.getenv("CALLBACK")
    .. '","pushType":"STK"}}'
end

function request()
  counter = counter + 1
  -- 12 characters: run letter, thread digit, 10-digit counter.
  local reference = string.format("%s%d%010d", os.getenv("RUN"), thread_id, counter)
  return wrk.format("POST", "/v3-apis/payment-api/v3.0/stkussdpush/initiate", headers,
    string.format(template, reference))
end
