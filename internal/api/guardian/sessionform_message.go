package guardian

import (
	"encoding/json"
	"fmt"

	"github.com/cardvault/cardvault/internal/web"
)

// capturedScript is the session form's success callback. It tells the
// window that frames the form that the session is complete, posting
// {type: "cardvault:captured", session_id, token_id} to each allowed origin
// (or, when there are none, to the vault's own origin), as the hosted form
// posts its own message. token_id is the token the completion created or
// (security-code session) refreshed, read from complete-action's answer
// ({"data":{"token_id"}}); card data is never part of it.
//
// The id and the origins are embedded as JSON, which escapes <, > and &,
// so the script needs no further escaping and passes web.CheckScript.
func capturedScript(sessionID string, origins []string) (string, error) {
	if origins == nil {
		origins = []string{}
	}
	message, err := json.Marshal(map[string]string{"type": web.MessageType, "session_id": sessionID})
	if err != nil {
		return "", err
	}
	to, err := json.Marshal(origins)
	if err != nil {
		return "", err
	}
	src := fmt.Sprintf(`function (responseData) {
  "use strict";
  if (window.parent === window) return;
  const data = responseData && responseData.data;
  const message = Object.assign(%s, {token_id: data && typeof data.token_id === "string" ? data.token_id : ""});
  const origins = %s;
  for (const origin of (origins.length ? origins : [window.location.origin])) {
    try {
      window.parent.postMessage(message, origin);
    } catch (e) {
      // An origin that cannot be reached does not stop the others.
    }
  }
}`, message, to)
	return src, web.CheckScript(src)
}
