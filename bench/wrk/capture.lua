-- A third party's post to a PCI Vault capture endpoint: no API key, the
-- endpoint's secret header, a reference of its own per request (so each
-- post stores an entry). Endpoints come from CAPTURE_PATHS and
-- CAPTURE_SECRETS (space-separated, same order), taken in turn.
wrk.method = "POST"

local threads = 0
function setup(thread)
	threads = threads + 1
	thread:set("id", threads)
end

local paths, secrets = {}, {}
for p in string.gmatch(os.getenv("CAPTURE_PATHS") or "", "%S+") do paths[#paths + 1] = p end
for s in string.gmatch(os.getenv("CAPTURE_SECRETS") or "", "%S+") do secrets[#secrets + 1] = s end
if #paths == 0 or #paths ~= #secrets then error("capture.lua: CAPTURE_PATHS and CAPTURE_SECRETS must name the same endpoints") end

local pans = { "4111111111111111", "5555555555554444", "378282246310005", "6011111111111117", "3566002020360505" }
local n = 0

function request()
	n = n + 1
	local k = (n + (id or 0)) % #paths + 1
	local body = '{"card_number":"' .. pans[n % #pans + 1] .. '","card_holder":"J DOE","card_expiry":"12/2039"}'
	return wrk.format("POST", paths[k] .. "?reference=w" .. (id or 0) .. "r" .. n,
		{ ["Host"] = wrk.headers["Host"], ["Content-Type"] = "text/plain;charset=UTF-8", ["X-PCIVault-Capture-Secret"] = secrets[k] }, body)
end
