package forward

import (
	"errors"
	"strconv"
)

// OutcomeDetail is the audit detail of a forward's result: the destination
// host, the upstream's status and latency when resp is not nil, and the
// UpstreamKind of an *UpstreamError or "refused" for any other error. It
// holds no card data as long as host is already masked (SafeHost).
func OutcomeDetail(host string, resp *Response, err error) map[string]string {
	detail := map[string]string{"destination_host": host}
	if resp != nil {
		detail["status"] = strconv.Itoa(resp.Status)
		detail["latency_ms"] = strconv.FormatInt(resp.Latency.Milliseconds(), 10)
	}
	var ue *UpstreamError
	if errors.As(err, &ue) {
		detail["error"] = string(ue.Kind)
	} else if err != nil {
		detail["error"] = "refused"
	}
	return detail
}
