package client_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/cardvault/cardvault/client"
)

// Store a card, read it back masked, reveal it, delete it.
func Example() {
	ctx := context.Background()
	c := client.New(vaultURL, adminKey)
	writer, err := c.CreateKey(ctx, client.KeyInput{Name: "checkout",
		Scopes: []string{client.ScopeCardsWrite, client.ScopeCardsRead, client.ScopeCardsReveal}})
	if err != nil {
		fmt.Println(err)
		return
	}
	shop := client.New(vaultURL, writer.Secret)

	card, err := shop.CreateCard(ctx, client.CardInput{Number: "4111 1111 1111 1111", Expiry: "12/39",
		Holder: "Ada Lovelace", SecurityCode: "123"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(card.MaskedNumber, card.Scheme, card.ExpMonth, card.ExpYear, *card.SecurityCodeHeld)

	revealed, err := shop.RevealCard(ctx, card.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("printed:", revealed.Number) // a PAN prints masked
	fmt.Println("digits:", len(revealed.Number.Digits()))

	if err := shop.DeleteCard(ctx, card.ID); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 411111******1111 visa 12 2039 true
	// printed: 411111******1111
	// digits: 16
}

// Errors are *client.Error values with the API's code and request id.
func ExampleError() {
	ctx := context.Background()
	c := client.New(vaultURL, adminKey)
	_, err := c.GetCard(ctx, "card_that_does_not_exist")

	var apiErr *client.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.Status, apiErr.Code, apiErr.RequestID != "")
	}
	fmt.Println(errors.Is(err, &client.Error{Code: client.CodeNotFound}))
	// Output:
	// 404 not_found true
	// true
}

// A key sees only what its scopes allow; a revoked key is refused.
func ExampleClient_RevokeKey() {
	ctx := context.Background()
	admin := client.New(vaultURL, adminKey)
	k, err := admin.CreateKey(ctx, client.KeyInput{Name: "reader", Scopes: []string{client.ScopeCardsRead}})
	if err != nil {
		fmt.Println(err)
		return
	}
	reader := client.New(vaultURL, k.Secret)
	_, err = reader.CreateCard(ctx, client.CardInput{Number: "4111111111111111"})
	fmt.Println("write with a read key:", client.ErrorCode(err))

	if err := admin.RevokeKey(ctx, k.ID); err != nil {
		fmt.Println(err)
		return
	}
	_, err = reader.ListCards(ctx, client.Page{})
	fmt.Println("after revoke:", client.ErrorCode(err))
	// Output:
	// write with a read key: forbidden
	// after revoke: unauthorized
}
