// Package alert posts zoho2sheets failures (and an optional daily digest)
// to a webhook: a Slack incoming webhook gets Slack's message format, any
// other URL a plain JSON object.
//
// A webhook URL is a credential (whoever holds it can post), so it is never
// logged or put in an error: only its host is. Every text field is scrubbed
// of token-like strings before it leaves the process.
package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/zoho2sheets/zoho2sheets/internal/backoff"
)

// Format is the payload shape a Notifier posts.
type Format int

const (
	// FormatAuto picks FormatSlack for Slack incoming-webhook URLs
	// (https://hooks.slack.com/services/…) and FormatJSON for any other.
	FormatAuto Format = iota
	// FormatSlack posts {"text": …, "blocks": […]}.
	FormatSlack
	// FormatJSON posts a flat JSON object with an "event" field.
	FormatJSON
)

// Defaults of a Notifier.
const (
	DefaultTimeout     = 10 * time.Second // per attempt
	DefaultMaxAttempts = 4
	maxBackoff         = 30 * time.Second
	maxRetryAfter      = 60 * time.Second
)

// Event names of the JSON payload.
const (
	EventRunFailed = "run_failed"
	EventDigest    = "daily_digest"
)

// Notifier posts alerts to one webhook. Create it with New; the exported
// fields may be changed before first use. It is safe for concurrent use.
type Notifier struct {
	// URL is the webhook. It is a secret: never log it.
	URL string
	// HTTPClient sends the requests (default: a client with no timeout of
	// its own; each attempt is bounded by Timeout).
	HTTPClient *http.Client
	// Logger gets one line per post (with the webhook's host only).
	Logger zerolog.Logger
	// Format is the payload shape (default FormatAuto).
	Format Format
	// Timeout bounds each attempt (default DefaultTimeout).
	Timeout time.Duration
	// MaxAttempts bounds the tries per alert (default DefaultMaxAttempts).
	MaxAttempts int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Sleep waits between attempts; it returns early with ctx's error when
	// ctx is done (default: a timer).
	Sleep func(ctx context.Context, d time.Duration) error
	// App names the sender in messages (default "zoho2sheets").
	App string

	host string
}

// Option configures New.
type Option func(*Notifier) error

// WithHTTPClient sets the HTTP client.
func WithHTTPClient(c *http.Client) Option {
	return func(n *Notifier) error {
		if c == nil {
			return errors.New("alert: http client must not be nil")
		}
		n.HTTPClient = c
		return nil
	}
}

// WithLogger sets the logger.
func WithLogger(l zerolog.Logger) Option {
	return func(n *Notifier) error { n.Logger = l; return nil }
}

// WithFormat forces the payload shape instead of guessing it from the URL.
func WithFormat(f Format) Option {
	return func(n *Notifier) error {
		if f < FormatAuto || f > FormatJSON {
			return fmt.Errorf("alert: unknown format %d", f)
		}
		n.Format = f
		return nil
	}
}

// WithClock sets the clock.
func WithClock(now func() time.Time) Option {
	return func(n *Notifier) error {
		if now == nil {
			return errors.New("alert: clock must not be nil")
		}
		n.Now = now
		return nil
	}
}

// WithSleep sets the function that waits between attempts (tests pass one
// that returns at once).
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(n *Notifier) error {
		if sleep == nil {
			return errors.New("alert: sleep must not be nil")
		}
		n.Sleep = sleep
		return nil
	}
}

// WithRetry sets the number of attempts per alert (at least 1) and the
// timeout of each.
func WithRetry(maxAttempts int, timeout time.Duration) Option {
	return func(n *Notifier) error {
		if maxAttempts < 1 || timeout <= 0 {
			return errors.New("alert: need at least one attempt and a positive timeout")
		}
		n.MaxAttempts, n.Timeout = maxAttempts, timeout
		return nil
	}
}

// New returns a Notifier posting to rawURL. The URL must be https://, or
// http:// to a loopback address (a local relay, tests). Errors never contain
// the URL, only what is wrong with it.
func New(rawURL string, opts ...Option) (*Notifier, error) {
	rawURL = strings.TrimSpace(rawURL) // a secret pasted with its newline
	host, err := checkURL(rawURL)
	if err != nil {
		return nil, err
	}
	n := &Notifier{URL: rawURL, host: host, Logger: zerolog.Nop()}
	for _, o := range opts {
		if err := o(n); err != nil {
			return nil, err
		}
	}
	return n, nil
}

func checkURL(raw string) (host string, err error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		// url.Parse's error quotes the URL: say what is wrong instead.
		return "", errors.New("alert: the webhook is not an absolute URL (want https://host/path)")
	}
	if u.User != nil {
		return "", fmt.Errorf("alert: webhook URL for %s must not contain a user or password", u.Hostname())
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return "", fmt.Errorf("alert: webhook URL for %s uses http://; use https:// (http is only allowed to localhost)", u.Hostname())
		}
	default:
		return "", fmt.Errorf("alert: webhook URL for %s has scheme %q; use https://", u.Hostname(), u.Scheme)
	}
	return u.Hostname(), nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Host returns the webhook's host name, the only part of it safe to log.
func (n *Notifier) Host() string {
	if n.host == "" {
		if h, err := checkURL(n.URL); err == nil {
			return h
		}
		return "(invalid webhook URL)"
	}
	return n.host
}

func (n *Notifier) format() Format {
	if n.Format != FormatAuto {
		return n.Format
	}
	if IsSlackURL(n.URL) {
		return FormatSlack
	}
	return FormatJSON
}

// IsSlackURL reports whether u is a Slack incoming-webhook URL.
func IsSlackURL(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	h := strings.ToLower(p.Hostname())
	return (h == "hooks.slack.com" || h == "hooks.slack-gov.com") && strings.HasPrefix(p.Path, "/services/")
}

func (n *Notifier) now() time.Time {
	if n.Now != nil {
		return n.Now()
	}
	return time.Now()
}

func (n *Notifier) app() string {
	if n.App != "" {
		return n.App
	}
	return "zoho2sheets"
}

// post sends payload, retrying 429s, 5xx and network errors with capped
// exponential backoff (honouring Retry-After).
func (n *Notifier) post(ctx context.Context, event string, payload any) error {
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("alert: encode %s: %w", event, err)
	}
	log := n.Logger.With().Str("webhook_host", n.Host()).Str("event", event).Logger()
	attempts := n.MaxAttempts
	if attempts < 1 {
		attempts = DefaultMaxAttempts
	}
	var lastErr error
	for attempt := 1; ; attempt++ {
		retry, wait, err := n.try(ctx, body)
		if err == nil {
			log.Info().Int("attempt", attempt).Msg("alert posted")
			return nil
		}
		lastErr = err
		if !retry || attempt >= attempts || ctx.Err() != nil {
			break
		}
		if wait <= 0 {
			wait = retryBackoff.Delay(attempt - 1)
		}
		log.Warn().Err(err).Int("attempt", attempt).Dur("retry_in", wait).Msg("alert not accepted; retrying")
		if err := n.sleep(ctx, wait); err != nil {
			break
		}
	}
	return fmt.Errorf("alert: post %s to %s: %w", event, n.Host(), lastErr)
}

// retryBackoff doubles the wait from a second up to maxBackoff.
var retryBackoff = backoff.Policy{Base: time.Second, Max: maxBackoff}

func (n *Notifier) sleep(ctx context.Context, d time.Duration) error {
	if n.Sleep != nil {
		return n.Sleep(ctx, d)
	}
	return backoff.Sleep(ctx, d)
}

// try makes one attempt. It reports whether a failure is worth retrying
// and how long the server asked to wait.
func (n *Notifier) try(ctx context.Context, body []byte) (retry bool, wait time.Duration, err error) {
	timeout := n.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.URL, bytes.NewReader(body))
	if err != nil {
		return false, 0, errors.New("cannot build the request (is the webhook URL valid?)")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", n.app())
	hc := n.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		// *url.Error quotes the URL: keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return true, 0, errors.New(Scrub(strings.ReplaceAll(err.Error(), n.URL, n.Host())))
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, 0, nil
	}
	err = fmt.Errorf("HTTP %d: %s", resp.StatusCode, truncate(Scrub(strings.TrimSpace(string(msg))), 200))
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		return true, retryAfter(resp.Header.Get("Retry-After")), err
	}
	return false, 0, err
}

func retryAfter(v string) time.Duration {
	s, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || s <= 0 {
		return 0
	}
	return min(time.Duration(s)*time.Second, maxRetryAfter)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 { // cut on a rune boundary
		n--
	}
	return s[:n] + "…"
}
