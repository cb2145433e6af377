package guardian_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cardvault/cardvault/internal/vault"
	"github.com/cardvault/cardvault/internal/vaulttest"
)

// tokenPage is a page of the token list.
type tokenPage struct {
	Data  []token `json:"data"`
	Links struct {
		Next string `json:"next"`
	} `json:"links"`
}

// listPage reads one page at path (relative to the vault).
func listPage(t *testing.T, e *vaulttest.Env, key, path string) tokenPage {
	t.Helper()
	resp, body := e.Do(t, "GET", path, "", "x-api-key", key)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("list %s: %d %s", path, resp.StatusCode, body)
	}
	return vaulttest.Decode[tokenPage](t, body)
}

// nextPath turns an absolute next link into a path on the test server,
// checking that it points at this server.
func nextPath(t *testing.T, e *vaulttest.Env, next string) string {
	t.Helper()
	u, err := url.Parse(next)
	if err != nil || !strings.HasPrefix(next, e.URL+"/api/pci/tokens?") {
		t.Fatalf("next link %q is not an absolute link to this vault's token list", next)
	}
	return u.RequestURI()
}

func TestListPagination(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	var ids []string
	for range 5 {
		ids = append(ids, createToken(t, e, e.AdminKey, panBody).ID)
	}
	p := listPage(t, e, e.AdminKey, "/api/pci/tokens?limit=2")
	var seen []string
	for {
		for _, tok := range p.Data {
			seen = append(seen, tok.ID)
			if tok.Card.Masked != "411111******1111" {
				t.Errorf("list item %+v", tok)
			}
		}
		if q, _ := url.Parse(p.Links.Next); q.Query().Get("limit") != "2" || q.Query().Get("after") != seen[len(seen)-1] {
			t.Fatalf("next link %q", p.Links.Next)
		}
		if len(p.Data) < 2 {
			break
		}
		p = listPage(t, e, e.AdminKey, nextPath(t, e, p.Links.Next))
	}
	if strings.Join(seen, ",") != strings.Join(ids, ",") {
		t.Fatalf("pages gave %v, want %v", seen, ids)
	}
	// Default limit 20: one page; its next link (required by the document
	// on every page) reads the empty page after it, whose own next link
	// stays where it is.
	p = listPage(t, e, e.AdminKey, "/api/pci/tokens")
	if q, _ := url.Parse(p.Links.Next); len(p.Data) != 5 || q.Query().Get("after") != ids[4] || q.Query().Get("limit") != "20" {
		t.Fatalf("default page: %d items, next %q", len(p.Data), p.Links.Next)
	}
	if last := listPage(t, e, e.AdminKey, nextPath(t, e, p.Links.Next)); len(last.Data) != 0 || last.Links.Next != p.Links.Next {
		t.Fatalf("page after the last: %d items, next %q, want none and %q", len(last.Data), last.Links.Next, p.Links.Next)
	}
	for _, q := range []string{"limit=0", "limit=101", "limit=-1", "limit=ten", "limit=", "after=nope"} {
		resp, body := e.Do(t, "GET", "/api/pci/tokens?"+q, "", "x-api-key", e.AdminKey)
		wantError(t, resp, body, http.StatusBadRequest)
	}
	for _, q := range []string{"limit=1", "limit=100"} {
		if resp, body := e.Do(t, "GET", "/api/pci/tokens?"+q, "", "x-api-key", e.AdminKey); resp.StatusCode != 200 {
			t.Errorf("%s: %d %s", q, resp.StatusCode, body)
		}
	}
}

func TestListUnderChurn(t *testing.T) {
	t.Parallel()
	// Between every two pages, tokens are deleted (seen and unseen ones)
	// and new ones inserted. Every token that survives to the end and
	// existed at the start is seen exactly once; nothing is seen twice.
	e := newEnv(t, nil)
	var initial []string
	for range 30 {
		initial = append(initial, createToken(t, e, e.AdminKey, panBody).ID)
	}
	deleted := map[string]bool{}
	del := func(id string) {
		if resp, body := e.Do(t, "DELETE", "/api/pci/tokens/"+id, "", "x-api-key", e.AdminKey); resp.StatusCode != 204 {
			t.Fatalf("delete: %d %s", resp.StatusCode, body)
		}
		deleted[id] = true
	}
	seen := map[string]int{}
	var inserted []string
	path := "/api/pci/tokens?limit=4"
	for round := 0; ; round++ {
		p := listPage(t, e, e.AdminKey, path)
		for _, tok := range p.Data {
			seen[tok.ID]++
			if deleted[tok.ID] {
				t.Errorf("page %d lists deleted token %s", round, tok.ID)
			}
		}
		if len(p.Data) < 4 {
			break
		}
		// Churn: delete the last token seen (the page cursor), one not yet
		// reached, and insert two new ones.
		del(p.Data[len(p.Data)-1].ID)
		if ahead := 4*round + 9; ahead < len(initial) && !deleted[initial[ahead]] {
			del(initial[ahead])
		}
		for range 2 {
			inserted = append(inserted, createToken(t, e, e.AdminKey, panBody).ID)
		}
		path = nextPath(t, e, p.Links.Next)
		if round > 100 {
			t.Fatal("pagination does not end")
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("token %s seen %d times", id, n)
		}
	}
	for _, id := range initial {
		if !deleted[id] && seen[id] != 1 {
			t.Errorf("surviving token %s seen %d times", id, seen[id])
		}
	}
	// Tokens inserted during the walk have larger ids (UUIDv7), so they
	// appear after the cursor: each was seen once.
	for _, id := range inserted {
		if !deleted[id] && seen[id] != 1 {
			t.Errorf("inserted token %s seen %d times", id, seen[id])
		}
	}
	if len(deleted) < 10 {
		t.Fatalf("churn too small: %d deletes", len(deleted))
	}
}

func TestListIsPerTenant(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	acme := e.TenantKey(t, "acme")
	for i := range 3 {
		createToken(t, e, e.AdminKey, panBody)
		createToken(t, e, acme, strings.Replace(panBody, "o-1", fmt.Sprint("acme-", i), 1))
	}
	p := listPage(t, e, acme, "/api/pci/tokens?limit=100")
	if len(p.Data) != 3 {
		t.Fatalf("acme sees %d tokens", len(p.Data))
	}
	for _, tok := range p.Data {
		if !strings.HasPrefix(tok.Metadata["order"], "acme-") {
			t.Errorf("acme sees %+v", tok)
		}
	}
	reader := e.Key(t, vault.ScopeForward)
	resp, body := e.Do(t, "GET", "/api/pci/tokens", "", "x-api-key", reader)
	wantError(t, resp, body, http.StatusForbidden, "cards:read")
}
