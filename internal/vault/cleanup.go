package vault

import (
	"context"
	"time"
)

// cleanBatch is how many expired rows one store call removes.
const cleanBatch = 500

// CleanExpired deletes expired cards and records in batches until none is
// left, and reports how many went. Expired security codes go first, each
// reported as ActionSecurityCodeExpired (securitycode_expiry.go); the rest
// go up to the time that sweep started, so none is deleted unreported.
func (s *Service) CleanExpired(ctx context.Context) (int, error) {
	now := s.Now()
	total, err := s.sweepExpiredCodes(ctx, now)
	if err != nil {
		return total, err
	}
	for {
		n, err := s.store.DeleteExpired(ctx, now, cleanBatch)
		total += n
		if err != nil || n < cleanBatch {
			return total, err
		}
	}
}

// RunCleaner calls CleanExpired every interval until ctx ends. Running it on
// several nodes at once is safe: deletes of expired rows are idempotent.
func (s *Service) RunCleaner(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := s.CleanExpired(ctx); err != nil {
				s.log.ErrorContext(ctx, "clean expired rows", "err", err)
			} else if n > 0 {
				s.log.InfoContext(ctx, "cleaned expired rows", "count", n)
			}
		}
	}
}
