package pcivault_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/api/pcivault"
	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

func TestStoreReturnsDataExactly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	for name, data := range map[string]string{
		"seed card":             seedCard,
		"spacing and order":     "{ \"z\" : 1,\n  \"card_number\":\"4111111111111111\", \"a\": [ true , null ] }",
		"unicode and escapes":   `{"card_holder":"Zoë \u00e9 <b>&amp;","note":"tab\tquote\""}`,
		"nested and big number": `{"n":4111111111111111,"meta":{"x":{"y":[1.50,2e3]}}}`,
		"no card number":        `{"secret_note":"hello"}`,
	} {
		t.Run(name, func(t *testing.T) {
			s := e.store(t, name, data)
			if !tokenPattern.MatchString(s.Token) || s.User != user || s.Reference != name {
				t.Fatalf("store answered %+v", s)
			}
			if out := e.reveal(t, s.Token, name); out != data {
				t.Fatalf("read back %s, want %s", out, data)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	e.createKey(t, "second-user", passphrase)
	base := e.store(t, "a", `{"card_number":"`+pan+`"}`).Token

	t.Run("same number, any spelling or field, same token", func(t *testing.T) {
		for i, data := range []string{
			`{"card_number":"` + spacedPAN + `"}`,
			`{"card_number":"4111-1111-1111-1111","cvv":"123"}`,
			`{"number":" 4111 1111-1111 1111 "}`,
			`{"n":4111111111111111}`,
			`{"card_number":"4111111111111111","number":"4111 1111 1111 1111"}`,
		} {
			if got := e.store(t, "b", data).Token; got != base {
				t.Errorf("spelling %d: token %s, want %s", i, got, base)
			}
		}
	})
	t.Run("number in the query string", func(t *testing.T) {
		resp, body := e.call(t, "POST", "/v1/vault"+q("user", user, "passphrase", passphrase, "number", spacedPAN), `{"cvv":"123"}`)
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		if vaulttest.Decode[stored](t, body).Token != base {
			t.Fatalf("query number gave another token: %s", body)
		}
	})
	t.Run("another number, another token", func(t *testing.T) {
		if e.store(t, "c", `{"card_number":"`+otherPAN+`"}`).Token == base {
			t.Fatal("two cards share a token")
		}
	})
	t.Run("another user, another token", func(t *testing.T) {
		resp, body := e.call(t, "POST", "/v1/vault"+q("user", "second-user", "passphrase", passphrase), `{"card_number":"`+pan+`"}`)
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		if vaulttest.Decode[stored](t, body).Token == base {
			t.Fatal("two users share a token")
		}
	})
	t.Run("another tenant, another token", func(t *testing.T) {
		other := vaulttest.BasicAuth(e.TenantKey(t, "other"))
		resp, body := e.Do(t, "POST", "/v1/key", `{"user":"`+user+`","passphrase":"`+passphrase+`"}`, "Authorization", other)
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		resp, body = e.Do(t, "POST", "/v1/vault"+q("user", user, "passphrase", passphrase), `{"card_number":"`+pan+`"}`, "Authorization", other)
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		if vaulttest.Decode[stored](t, body).Token == base {
			t.Fatal("two tenants share a token")
		}
	})
	t.Run("no number, random token", func(t *testing.T) {
		a, b := e.store(t, "x", `{"note":"1"}`), e.store(t, "x", `{"note":"1"}`)
		if a.Token == b.Token || !tokenPattern.MatchString(a.Token) {
			t.Fatalf("random tokens %s and %s", a.Token, b.Token)
		}
	})
	t.Run("account numbers", func(t *testing.T) {
		a := e.store(t, "ach", `{"account_number":"000123456789","account_type":"checking"}`)
		b := e.store(t, "ach", `{"account_number":"0001-2345-6789"}`)
		if a.Token != b.Token {
			t.Fatal("account number spellings give different tokens")
		}
	})
}

func TestStoreSamePairReplaces(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	a := e.store(t, "ref", `{"card_number":"`+pan+`","cvv":"111"}`)
	b := e.store(t, "ref", `{"card_number":"`+spacedPAN+`","cvv":"222"}`)
	if a.Token != b.Token || e.entries(t) != 1 {
		t.Fatalf("same token and reference made %d entries", e.entries(t))
	}
	if out := e.reveal(t, a.Token, "ref"); !strings.Contains(out, `"cvv":"222"`) {
		t.Fatalf("replaced entry reads %s", out)
	}
	e.store(t, "other-ref", `{"card_number":"`+pan+`"}`)
	if e.entries(t) != 2 {
		t.Fatal("another reference did not make another entry")
	}
	t.Run("a token with several entries needs the reference", func(t *testing.T) {
		resp, body := e.call(t, "GET", "/v1/vault"+q("user", user, "passphrase", passphrase, "token", a.Token), "")
		wantError(t, resp, body, http.StatusBadRequest)
	})
	t.Run("a token with one entry does not", func(t *testing.T) {
		s := e.store(t, "", `{"card_number":"`+otherPAN+`"}`)
		resp, body := e.call(t, "GET", "/v1/vault"+q("user", user, "passphrase", passphrase, "token", s.Token), "")
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
	})
}

func TestRevealIsAuditedAndGuarded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	e.createKey(t, "second-user", passphrase)
	s := e.store(t, "ref", `{"card_number":"`+pan+`"}`)

	for name, c := range map[string]struct {
		query  string
		status int
	}{
		"wrong passphrase":     {q("user", user, "passphrase", "WrongPassphraseOfGoodLength", "token", s.Token, "reference", "ref"), http.StatusUnauthorized},
		"no passphrase":        {q("user", user, "token", s.Token, "reference", "ref"), http.StatusBadRequest},
		"unknown user":         {q("user", "nobody", "passphrase", passphrase, "token", s.Token, "reference", "ref"), http.StatusNotFound},
		"another user's token": {q("user", "second-user", "passphrase", passphrase, "token", s.Token, "reference", "ref"), http.StatusNotFound},
		"unknown reference":    {q("user", user, "passphrase", passphrase, "token", s.Token, "reference", "nope"), http.StatusNotFound},
		"malformed token":      {q("user", user, "passphrase", passphrase, "token", pan), http.StatusBadRequest},
		"masking asked for":    {q("user", user, "passphrase", passphrase, "token", s.Token, "mask_fields", "card_number"), http.StatusBadRequest},
	} {
		t.Run(name, func(t *testing.T) {
			resp, body := e.call(t, "GET", "/v1/vault"+c.query, "")
			msg := wantError(t, resp, body, c.status)
			if strings.Contains(msg, pan) || strings.Contains(msg, "1111") {
				t.Fatalf("error shows card data: %s", msg)
			}
		})
	}
	entries, err := e.Audit.List(context.Background(), vault.DefaultTenant, vault.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if en.Action == "pcivault.reveal" {
			t.Fatalf("a failed reveal was audited as a reveal: %+v", en)
		}
	}
	e.reveal(t, s.Token, "ref")
	entries, _ = e.Audit.List(context.Background(), vault.DefaultTenant, vault.Page{})
	last := entries[len(entries)-1]
	if last.Action != "pcivault.reveal" || strings.Join(last.Targets, ",") != user+","+s.Token+",ref" || last.Actor == "" {
		t.Fatalf("reveal audited as %+v", last)
	}
}

func TestListAndDeleteData(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	e.createKey(t, "second-user", passphrase)
	a1 := e.store(t, "r1", `{"card_number":"`+pan+`"}`)
	e.store(t, "r2", `{"card_number":"`+pan+`"}`)
	b := e.store(t, "r1", `{"card_number":"`+otherPAN+`"}`)
	resp, body := e.call(t, "POST", "/v1/vault"+q("user", "second-user", "passphrase", passphrase, "reference", "s1"), `{"card_number":"`+pan+`"}`)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)

	t.Run("list pages through every user", func(t *testing.T) {
		total := 0
		path := "/v1/vault?limit=3"
		for path != "" {
			resp, body := e.call(t, "GET", path, "")
			vaulttest.WantStatus(t, resp, body, http.StatusOK)
			for _, refs := range vaulttest.Decode[map[string][]lockdownInfo](t, body) {
				total += len(refs)
			}
			path = ""
			if next := resp.Header.Get(pcivault.NextTokenHeader); next != "" {
				path = "/v1/vault" + q("limit", "3", "next_token", next)
			}
		}
		if total != 4 {
			t.Fatalf("listed %d entries, want 4", total)
		}
	})
	t.Run("list one user", func(t *testing.T) {
		resp, body := e.call(t, "GET", "/v1/vault"+q("user", "second-user"), "")
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		got := vaulttest.Decode[map[string][]lockdownInfo](t, body)
		if len(got) != 1 || len(got["second-user"]) != 1 || got["second-user"][0].Reference != "s1" {
			t.Fatalf("one user's list: %s", body)
		}
		resp, body = e.call(t, "GET", "/v1/vault"+q("user", "nobody"), "")
		wantError(t, resp, body, http.StatusNotFound)
	})
	t.Run("delete one entry", func(t *testing.T) {
		resp, body := e.call(t, "DELETE", "/v1/vault"+q("token", b.Token, "reference", "r1"), "")
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		resp, body = e.call(t, "DELETE", "/v1/vault"+q("token", b.Token, "reference", "r1"), "")
		wantError(t, resp, body, http.StatusNotFound)
	})
	t.Run("delete checks the user when given", func(t *testing.T) {
		resp, body := e.call(t, "DELETE", "/v1/vault"+q("user", "second-user", "token", a1.Token), "")
		wantError(t, resp, body, http.StatusNotFound)
	})
	t.Run("delete every entry of a token", func(t *testing.T) {
		resp, body := e.call(t, "DELETE", "/v1/vault"+q("user", user, "token", a1.Token), "")
		vaulttest.WantStatus(t, resp, body, http.StatusOK)
		if vaulttest.Decode[map[string]any](t, body)["deleted"] != float64(2) || e.entries(t) != 1 {
			t.Fatalf("delete all answered %s, %d entries left", body, e.entries(t))
		}
		resp, body = e.call(t, "DELETE", "/v1/vault", "")
		wantError(t, resp, body, http.StatusBadRequest)
	})
}

// Reveals within an unlock window skip re-reading the key but not the
// passphrase check: after a successful read, a wrong passphrase is still
// refused (and not audited as a reveal), and a passphrase change or a key
// deletion through the API ends the old passphrase's reads at once.
func TestRevealInUnlockWindowChecksPassphrase(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createKey(t, user, passphrase)
	s := e.store(t, "ref", `{"card_number":"`+pan+`"}`)
	e.reveal(t, s.Token, "ref") // opens the window
	read := func(pass string) (*http.Response, []byte) {
		return e.call(t, "GET", "/v1/vault"+q("user", user, "passphrase", pass, "token", s.Token, "reference", "ref"), "")
	}
	for _, wrong := range []string{passphrase + "x", passphrase[:len(passphrase)-1], "WrongPassphraseOfGoodLength"} {
		resp, body := read(wrong)
		wantError(t, resp, body, http.StatusUnauthorized)
	}
	entries, err := e.Audit.List(context.Background(), vault.DefaultTenant, vault.Page{})
	if err != nil {
		t.Fatal(err)
	}
	reveals := 0
	for _, en := range entries {
		if en.Action == "pcivault.reveal" {
			reveals++
		}
	}
	if reveals != 1 {
		t.Fatalf("%d reveals audited, want the 1 that succeeded", reveals)
	}
	if out := e.reveal(t, s.Token, "ref"); !strings.Contains(out, pan) {
		t.Fatalf("right passphrase after wrong ones read %s", out)
	}

	newPass := "AnotherLongAndVerySecretPassphrase"
	resp, body := e.call(t, "PUT", "/v1/key", `{"user":"`+user+`","old_passphrase":"`+passphrase+`","new_passphrase":"`+newPass+`"}`)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	resp, body = read(passphrase)
	wantError(t, resp, body, http.StatusUnauthorized)
	resp, body = read(newPass)
	vaulttest.WantStatus(t, resp, body, http.StatusOK)

	resp, body = e.call(t, "DELETE", "/v1/key"+q("user", user, "safe", "false"), "")
	vaulttest.WantStatus(t, resp, body, http.StatusOK)
	resp, body = read(newPass)
	wantError(t, resp, body, http.StatusNotFound)
}
