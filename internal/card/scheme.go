package card

// Scheme is a card network, as named by the first digits of a PAN (its IIN).
type Scheme string

// The schemes SchemeOf recognises. Unknown means no range below matched.
const (
	Visa       Scheme = "visa"
	Mastercard Scheme = "mastercard"
	Amex       Scheme = "american express"
	Discover   Scheme = "discover"
	DinersClub Scheme = "diners club"
	JCB        Scheme = "jcb"
	UnionPay   Scheme = "unionpay"
	Maestro    Scheme = "maestro"
	Unknown    Scheme = "unknown"
)

// iinRange maps the prefixes lo..hi (inclusive, each len digits long) to a
// scheme.
type iinRange struct {
	len    int
	lo, hi int
	scheme Scheme
}

// iinRanges is ordered longest prefix first, so the first match is the most
// specific one: Discover's 622126–622925 is checked before UnionPay's 62, and
// Maestro's 6304 and 639 before anything shorter.
var iinRanges = [...]iinRange{
	{6, 622126, 622925, Discover},
	{6, 676770, 676770, Maestro},
	{6, 676774, 676774, Maestro},

	{4, 2221, 2720, Mastercard},
	{4, 3095, 3095, DinersClub},
	{4, 3528, 3589, JCB},
	{4, 6011, 6011, Discover},
	{4, 6304, 6304, Maestro},
	{4, 6759, 6759, Maestro},

	{3, 300, 305, DinersClub},
	{3, 639, 639, Maestro},
	{3, 644, 649, Discover},

	{2, 34, 34, Amex},
	{2, 36, 36, DinersClub},
	{2, 37, 37, Amex},
	{2, 38, 39, DinersClub},
	{2, 50, 50, Maestro},
	{2, 51, 55, Mastercard},
	{2, 56, 58, Maestro},
	{2, 62, 62, UnionPay},
	{2, 65, 65, Discover},
	{2, 67, 67, Maestro},
	{2, 81, 81, UnionPay},

	{1, 4, 4, Visa},
}

// SchemeOf returns the scheme whose IIN range holds the leading digits of
// digits, or Unknown. The ranges, most specific first:
//
//	Discover    622126–622925 (wins over UnionPay), 6011, 644–649, 65
//	Maestro     676770, 676774, 6304, 6759, 639, 50, 56–58, 67
//	Mastercard  2221–2720, 51–55
//	Diners Club 3095, 300–305, 36, 38, 39
//	JCB         3528–3589
//	American Express 34, 37
//	UnionPay    62, 81
//	Visa        4
//
// SchemeOf neither validates nor retains its argument.
func SchemeOf(digits string) Scheme {
	for _, r := range iinRanges {
		p, ok := prefix(digits, r.len)
		if ok && r.lo <= p && p <= r.hi {
			return r.scheme
		}
	}
	return Unknown
}

// prefix returns the number formed by the first n characters of s, or false
// when s is shorter than n or one of them is not an ASCII digit.
func prefix(s string, n int) (int, bool) {
	if len(s) < n {
		return 0, false
	}
	v := 0
	for i := range n {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// SecurityCodeLen returns how many digits the scheme's security code has:
// 4 for American Express, 3 for every other scheme.
func (s Scheme) SecurityCodeLen() int {
	if s == Amex {
		return 4
	}
	return 3
}
