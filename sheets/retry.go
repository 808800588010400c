package sheets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"

	"github.com/zoho2sheets/zoho2sheets/internal/backoff"
)

// callKind says how safe a call is to repeat.
type callKind int

const (
	// read: always safe to retry.
	kindRead callKind = iota
	// idempotent write (values update on fixed ranges, metadata update):
	// repeating it yields the same sheet.
	kindWrite
	// non-idempotent write (addSheet, appendDimension, deleteDimension,
	// createDeveloperMetadata): retried only when the failure proves
	// nothing was applied (429, 503); otherwise the caller gets an error
	// wrapping ErrAmbiguous and must re-read before trying again.
	kindWriteOnce
)

const (
	backoffBase  = time.Second      // first wait after a 5xx or dropped connection
	quotaBackoff = 30 * time.Second // first wait after a 429 without Retry-After
	backoffMax   = 64 * time.Second // Google's maximum_backoff
	// maxRetryAfter is the longest Retry-After honoured; longer fails at once.
	maxRetryAfter = 5 * time.Minute
	// DefaultMaxRetries is how often a failed call is retried.
	DefaultMaxRetries = 5
)

// failure is what a failed attempt says about retrying.
type failure struct {
	retry      bool          // worth another attempt
	notApplied bool          // the answer proves the request was not applied
	quota      bool          // a 429
	retryAfter time.Duration // server-requested wait (0 = none)
	status     int
}

func classify(err error) failure {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		f := failure{status: ge.Code}
		switch ge.Code {
		case http.StatusTooManyRequests:
			f.retry, f.notApplied, f.quota = true, true, true
		case http.StatusServiceUnavailable:
			f.retry, f.notApplied = true, true
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
			f.retry = true
		}
		if ge.Header != nil {
			f.retryAfter = parseRetryAfter(ge.Header.Get("Retry-After"))
		}
		return f
	}
	var te *tokenFetchError
	if errors.As(err, &te) {
		return failure{retry: true, notApplied: true}
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		// The token endpoint is not the spreadsheet: a failed token
		// request applied nothing.
		if re.Response != nil && (re.Response.StatusCode == http.StatusTooManyRequests || re.Response.StatusCode >= 500) {
			return failure{retry: true, notApplied: true, status: re.Response.StatusCode}
		}
		return failure{}
	}
	// A timeout (of the attempt: the caller's context was checked before)
	// or a dropped connection: ambiguous for writes. *url.Error is
	// itself a net.Error, so look at what it wraps: a bad key or a refused
	// request is not worth repeating.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return failure{retry: true}
	}
	return failure{}
}

func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

// Google's truncated exponential backoff: up to a second of jitter on
// top, starting at 1 s for server errors and 30 s for quota errors (the
// Cloud minimums).
var (
	serverBackoff = backoff.Policy{Base: backoffBase, Max: backoffMax, Extra: time.Second}
	quotaBackoffs = backoff.Policy{Base: quotaBackoff, Max: backoffMax, Extra: time.Second}
)

// backoff is the wait before retry number n (0-based), or the server's
// Retry-After when it sent one.
func (c *Client) backoff(n int, f failure) time.Duration {
	if f.retryAfter > 0 {
		return f.retryAfter
	}
	if f.quota {
		return quotaBackoffs.Delay(n)
	}
	return serverBackoff.Delay(n)
}

// call runs one API call with retries. fn makes one attempt; requests, when
// not nil, counts the write attempts made.
func (c *Client) call(ctx context.Context, name string, kind callKind, requests *int, fn func() error) error {
	for attempt := 0; ; attempt++ {
		if err := c.pace(ctx, kind); err != nil {
			return err
		}
		if kind != kindRead && requests != nil {
			*requests++
		}
		start := c.now()
		err := fn()
		c.log.Debug().Str("call", name).Int("attempt", attempt+1).Bool("ok", err == nil).
			Dur("took", c.now().Sub(start)).Msg("sheets call")
		if err == nil {
			if attempt > 0 {
				c.log.Info().Str("call", name).Int("attempts", attempt+1).Msg("sheets: recovered")
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		f := classify(err)
		if !f.retry {
			return err
		}
		if kind == kindWriteOnce && !f.notApplied {
			return fmt.Errorf("%w: %w", ErrAmbiguous, err)
		}
		if attempt >= c.maxRetries {
			return fmt.Errorf("gave up after %d attempts: %w", attempt+1, err)
		}
		if f.retryAfter > maxRetryAfter {
			return fmt.Errorf("Google asked to wait %s: %w", f.retryAfter, err)
		}
		d := c.backoff(attempt, f)
		c.stats.retry()
		if c.observer != nil {
			c.observer.Retry()
		}
		c.log.Warn().Str("call", name).Int("status", f.status).Int("attempt", attempt+1).
			Dur("wait", d).Msg("sheets: call failed, retrying")
		if err := c.sleep(ctx, d); err != nil {
			return err
		}
	}
}

// pace waits until the request's quota window has room, sleeping with
// the injected sleep so that tests never wait.
func (c *Client) pace(ctx context.Context, kind callKind) error {
	if ctx.Value(unpacedKey{}) != nil {
		return ctx.Err()
	}
	w := c.writes
	if kind == kindRead {
		w = c.reads
	}
	now := c.now()
	if d := w.Reserve(now).Sub(now); d > 0 {
		return c.sleep(ctx, d)
	}
	return ctx.Err()
}
