package forward_test

import (
	"fmt"

	"github.com/cardvault/cardvault/internal/card"
	"github.com/cardvault/cardvault/internal/forward"
)

func exampleCard() forward.Card {
	pan, _ := card.ParsePAN("4111111111111111")
	exp, _ := card.NewExpiry(7, 2031)
	cvc, _ := card.ParseSecurityCode("123", card.Visa)
	return forward.Card{PAN: pan, Holder: `Ann O"Brien`, Expiry: exp, SecurityCode: cvc}
}

// A Gr4vy Vault Forward body: check it before fetching cards, then render.
func Example_gr4vy() {
	tpl, err := forward.Parse([]byte(`{"number":"{{ CARD_NUMBER_1 }}","exp":"{{CARD_EXPIRATION_DATE_1}}",` +
		`"month":{{ CARD_EXPIRATION_DATE_M_1 }},"name":"{{ CARD_HOLDER_NAME_1 }}","cvc":"{{ CARD_SECURITY_CODE_1 }}"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	needs, err := tpl.Check(forward.Gr4vy, 1) // one id in x-vault-forward-payment-methods
	fmt.Println(needs.Cards, needs.SecurityCode, err)

	cards := []forward.Card{exampleCard()}
	body, _ := tpl.Render("application/json", forward.Values(forward.Gr4vy, cards))
	fmt.Println(string(body))
	masked, _ := tpl.Render("application/json", forward.Masked(forward.Gr4vy, cards))
	fmt.Println(string(masked))
	// Output:
	// 1 [0] <nil>
	// {"number":"4111111111111111","exp":"07/31","month":7,"name":"Ann O\"Brien","cvc":"123"}
	// {"number":"411111******1111","exp":"00/00","month":0,"name":"A** O******","cvc":"***"}
}

// A Guardian forward body: unwrap turns a quoted placeholder into a number.
func Example_guardian() {
	tpl, _ := forward.Parse([]byte(`{"cardNumber":"{{ account_number }}",` +
		`"expiryDate":{"month":"{{ expiration_month | unwrap }}","year":"{{ expiry_year | unwrap }}"}}`))
	body, _ := tpl.Render("application/json", forward.Values(forward.Guardian, []forward.Card{exampleCard()}))
	fmt.Println(string(body))
	// Output:
	// {"cardNumber":"4111111111111111","expiryDate":{"month":7,"year":2031}}
}

// The same value escaped for XML and for a form body.
func ExampleTemplate_Render() {
	cards := []forward.Card{exampleCard()}
	for _, tc := range []struct{ ct, src string }{
		{"application/xml", `<holder>{{ CARD_HOLDER_NAME_1 }}</holder>`},
		{"application/x-www-form-urlencoded", `name={{ CARD_HOLDER_NAME_1 }}&exp={{ CARD_EXPIRATION_DATE_1 }}`},
	} {
		tpl, _ := forward.Parse([]byte(tc.src))
		body, _ := tpl.Render(tc.ct, forward.Values(forward.Gr4vy, cards))
		fmt.Println(string(body))
	}
	// Output:
	// <holder>Ann O&quot;Brien</holder>
	// name=Ann+O%22Brien&exp=07%2F31
}

// A Card prints (and encodes) without card data.
func ExampleCard() {
	fmt.Printf("%v %+v %#v\n", exampleCard(), []forward.Card{exampleCard()}, exampleCard())
	// Output:
	// card 411111******1111 [card 411111******1111] card 411111******1111
}
