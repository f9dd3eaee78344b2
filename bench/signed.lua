-- Pre-signed POSTs: each request is the next `signature<TAB>body` line of $REQUESTS (written by
-- examples/presign.rs), sent to $API_PATH with the bearer token $TOKEN. Each wrk thread takes its
-- own slice of the file, so references stay unique; the requests are formatted once, in init(),
-- so wrk spends as little as possible per request (it shares the cores with the server).
-- When a thread runs out it starts its slice again: those repeats answer 400101 (duplicate
-- reference) and show up as non-2xx in the summary, so the file must be big enough.
dofile((os.getenv("BENCH_DIR") or "bench") .. "/report.lua")

local requests = {}
local position = 0

thread_counter = 0
function setup(thread)
  thread:set("thread_id", thread_counter)
  thread_counter = thread_counter + 1
end

function init(args)
  local path = os.getenv("API_PATH") or API_PATH_DEFAULT
  local token = os.getenv("TOKEN")
  local threads = tonumber(os.getenv("THREADS") or "2")
  local file = assert(io.open(os.getenv("REQUESTS"), "r"))
  local i = 0
  for line in file:lines() do
    if (i % threads) == thread_id then
      local signature, body = line:match("([^\t]+)\t(.+)")
      requests[#requests + 1] = wrk.format("POST", path, {
        ["Content-Type"] = "application/json",
        ["Authorization"] = "Bearer " .. token,
        ["Signature"] = signature,
      }, body)
    end
    i = i + 1
  end
  file:close()
end

function request()
  position = position % #requests + 1
  return requests[position]
end
