-- POST /api/pci/tokens with a new, Luhn-valid card number on every request
-- (Visa test prefix 41, then WRK_SALT's four digits, the thread, a counter),
-- so that no two requests of a run store the same number. The API key comes
-- from wrk -H.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local threads = 0
function setup(thread)
	threads = threads + 1
	thread:set("id", threads)
end

local salt = string.sub((os.getenv("WRK_SALT") or "0000") .. "0000", 1, 4)
local n = 0

-- luhn returns digits followed by their Luhn check digit.
local function luhn(digits)
	local sum, double = 0, true
	for i = #digits, 1, -1 do
		local d = digits:byte(i) - 48
		if double then
			d = d * 2
			if d > 9 then d = d - 9 end
		end
		sum = sum + d
		double = not double
	end
	return digits .. tostring((10 - sum % 10) % 10)
end

function request()
	n = n + 1
	local pan = luhn(string.format("41%s%02d%07d", salt, (id or 0) % 100, n % 10000000))
	return wrk.format(nil, nil, nil, '{"source":{"type":"pan","account_number":"' .. pan ..
		'","expiry_month":12,"expiry_year":2039,"cardholder_name":"John Doe"}}')
end
