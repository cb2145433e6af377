package web

// schemeRange maps card numbers whose first Len digits lie in Lo..Hi to a
// scheme, for the form's script. The table mirrors card.SchemeOf (a test
// checks every prefix), most specific range first, so the first match wins.
type schemeRange struct {
	Len    int    `json:"len"`
	Lo     int    `json:"lo"`
	Hi     int    `json:"hi"`
	Scheme string `json:"scheme"`
}

// schemeRanges is the IIN table the form uses to name the scheme while the
// shopper types.
var schemeRanges = []schemeRange{
	{6, 622126, 622925, "discover"},
	{6, 676770, 676770, "maestro"},
	{6, 676774, 676774, "maestro"},
	{4, 2221, 2720, "mastercard"},
	{4, 3095, 3095, "diners club"},
	{4, 3528, 3589, "jcb"},
	{4, 6011, 6011, "discover"},
	{4, 6304, 6304, "maestro"},
	{4, 6759, 6759, "maestro"},
	{3, 300, 305, "diners club"},
	{3, 639, 639, "maestro"},
	{3, 644, 649, "discover"},
	{2, 34, 34, "american express"},
	{2, 36, 36, "diners club"},
	{2, 37, 37, "american express"},
	{2, 38, 39, "diners club"},
	{2, 50, 50, "maestro"},
	{2, 51, 55, "mastercard"},
	{2, 56, 58, "maestro"},
	{2, 62, 62, "unionpay"},
	{2, 65, 65, "discover"},
	{2, 67, 67, "maestro"},
	{2, 81, 81, "unionpay"},
	{1, 4, 4, "visa"},
}

// schemeInfo is how the form shows a scheme and which lengths it checks.
type schemeInfo struct {
	Label string `json:"label"`
	// Lengths lists the valid card number lengths; empty means 12 to 19.
	Lengths []int `json:"lengths,omitempty"`
	// Groups splits the number for display, e.g. 4-6-5 for American Express.
	Groups []int `json:"groups,omitempty"`
	// CVC is the security code's length.
	CVC int `json:"cvc"`
}

// schemeInfos describes each scheme the table names.
var schemeInfos = map[string]schemeInfo{
	"visa":             {Label: "Visa", Lengths: []int{13, 16, 19}, CVC: 3},
	"mastercard":       {Label: "Mastercard", Lengths: []int{16}, CVC: 3},
	"american express": {Label: "Amex", Lengths: []int{15}, Groups: []int{4, 6, 5}, CVC: 4},
	"discover":         {Label: "Discover", CVC: 3},
	"diners club":      {Label: "Diners Club", Groups: []int{4, 6, 4}, CVC: 3},
	"jcb":              {Label: "JCB", CVC: 3},
	"unionpay":         {Label: "UnionPay", CVC: 3},
	"maestro":          {Label: "Maestro", CVC: 3},
}
