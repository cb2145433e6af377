package webhooks

import "context"

// ClaimAndAbandon claims due deliveries as DeliverDue does and then drops
// them unsent, as a node that dies right after claiming would.
func ClaimAndAbandon(ctx context.Context, s *Service) (int, error) {
	claimed, err := s.claimDue(ctx)
	return len(claimed), err
}
