package hostedform_test

import (
	"testing"

	"github.com/cardvault/cardvault/internal/apidoc/apidoctest"
)

// TestExchangesMatchTheOpenAPIDocument drives the hosted form routes of
// docs/pcivault.json (configure, list, show, delete, refusals) through a
// client that checks every exchange against the document.
func TestExchangesMatchTheOpenAPIDocument(t *testing.T) {
	e := newEnv(t)
	e.setup(t)
	v := apidoctest.New(t, "pcivault")
	v.Run(t, e.URL, []apidoctest.Step{
		{Method: "POST", Path: "/v1/capture/iframe?form_type=pcd", Body: seedForm, Status: 200, Save: map[string]string{"form": "id"}},
		{Method: "GET", Path: "/v1/capture/iframe", Status: 200},
		{Method: "GET", Path: "/v1/capture/iframe/{form}", Status: 200},
		{Method: "GET", Path: "/v1/capture/iframe/no-such-form", Status: 404},
		{Method: "POST", Path: "/v1/capture/iframe?form_type=pcd", Body: `{"success_callback":1}`, Status: 400},
		{Method: "DELETE", Path: "/v1/capture/iframe/{form}", Status: 200},
	}, "Authorization", e.basic)
	v.WantChecked(t, "POST /v1/capture/iframe", "GET /v1/capture/iframe", "GET /v1/capture/iframe/{id}", "DELETE /v1/capture/iframe/{id}")
}
