-- wrk script of tests/perf/bench_api.py:
--     wrk -s wrk_bench.lua URL -- MODE COUNT HOSTS GENERATED_TIME
-- MODE is get or post; run with -t1. The thread stops after COUNT answers,
-- so wrk sends a fixed number of requests as the Python client does, and
-- done() prints one "wrk-result {json}" line for the benchmark to read.
local ffi = require("ffi")
ffi.cdef("int kill(int pid, int sig); int getpid(void);")
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  mode = args[1]
  quota = tonumber(args[2])
  hosts = tonumber(args[3])
  generated_time = args[4]
  sent = 0
  answered = 0
  statuses = {}
end

function request()
  sent = sent + 1
  if mode == "get" then
    return wrk.format("GET")
  end
  -- A distinct VM per request, and hosts in turn: the duplicate check and
  -- the per-host lock then do not serialise every POST on one host.
  local body = string.format(
    '{"notification": {"type": "VM", "hostname": "compute%02d", ' ..
    '"generated_time": "%s", "payload": {"event": "LIFECYCLE", ' ..
    '"vir_domain_event": "STOPPED_FAILED", ' ..
    '"instance_uuid": "%08x-0000-4000-8000-0000%08x"}}}',
    sent % hosts, generated_time, id, sent)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"},
                    body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  answered = answered + 1
  if answered == quota then
    wrk.thread:stop()
    -- wrk's main thread sleeps the whole -d unless interrupted; SIGINT
    -- ends the run now, and wrk still reports it.
    ffi.C.kill(ffi.C.getpid(), 2)
  end
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do
      counts[code] = (counts[code] or 0) + n
    end
  end
  local parts = {}
  for code, n in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', code, n))
  end
  local errors = summary.errors
  io.write(string.format(
    'wrk-result {"requests": %d, "duration_us": %.0f, "p50_us": %.0f, ' ..
    '"p99_us": %.0f, "socket_errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99),
    errors.connect + errors.read + errors.write + errors.timeout,
    table.concat(parts, ", ")))
end
