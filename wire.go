package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/rs/zerolog"

	"github.com/zoho2sheets/zoho2sheets/alert"
	"github.com/zoho2sheets/zoho2sheets/config"
	"github.com/zoho2sheets/zoho2sheets/metrics"
	"github.com/zoho2sheets/zoho2sheets/sheets"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
	"github.com/zoho2sheets/zoho2sheets/zoho"
)

// wiring is a job connected to real (or emulated) services.
type wiring struct {
	zoho  *zoho.Client
	sheet *sheets.Spreadsheet
	job   *zsync.Job
}

// zohoCredentials reads the Zoho credentials from the environment; the
// mapping's data_center applies when ZOHO_DC is not set.
func zohoCredentials(cfg *config.Config, e env) (zoho.Credentials, error) {
	getenv := e.getenv
	if cfg != nil && cfg.Zoho.DataCenter != "" {
		getenv = func(k string) string {
			if v := e.getenv(k); v != "" || k != "ZOHO_DC" {
				return v
			}
			return cfg.Zoho.DataCenter
		}
	}
	return zoho.CredentialsFromEnv(getenv)
}

// tokenCacheDir is where processes share the Zoho access token:
// $ZOHO2SHEETS_CACHE_DIR, else zoho2sheets in the user cache directory;
// "" (no sharing, with a warning) when there is neither.
func tokenCacheDir(e env, log zerolog.Logger) string {
	if d := e.getenv("ZOHO2SHEETS_CACHE_DIR"); d != "" {
		return d
	}
	if e.userCacheDir == nil {
		return ""
	}
	base, err := e.userCacheDir()
	if err != nil {
		log.Warn().Err(err).Msg("no cache directory to share the Zoho access token in (set ZOHO2SHEETS_CACHE_DIR); each run mints its own")
		return ""
	}
	return filepath.Join(base, "zoho2sheets")
}

func newZohoClient(creds zoho.Credentials, e env, log zerolog.Logger, m *metrics.Metrics) (*zoho.Client, error) {
	opts := []zoho.Option{zoho.WithCredentials(creds), zoho.WithLogger(log), zoho.WithClock(e.now)}
	if dir := tokenCacheDir(e, log); dir != "" {
		opts = append(opts, zoho.WithTokenCache(zoho.NewTokenCache(dir, log)))
	}
	if e.requestTimeout > 0 {
		opts = append(opts, zoho.WithRequestTimeout(e.requestTimeout))
	}
	if e.httpClient != nil {
		opts = append(opts, zoho.WithHTTPClient(e.httpClient))
	}
	if m != nil {
		opts = append(opts, zoho.WithObserver(m.Observer("zoho")))
	}
	return zoho.NewClient(append(opts, e.zohoOptions...)...)
}

func newSheetsClient(ctx context.Context, e env, log zerolog.Logger, m *metrics.Metrics) (*sheets.Client, error) {
	creds, err := sheets.CredentialsFromEnv(ctx, e.getenv)
	if err != nil {
		return nil, err
	}
	opts := []sheets.Option{sheets.WithCredentials(creds), sheets.WithLogger(log)}
	if e.httpClient != nil {
		opts = append(opts, sheets.WithHTTPClient(e.httpClient))
	}
	if e.requestTimeout > 0 {
		opts = append(opts, sheets.WithRequestTimeout(e.requestTimeout))
	}
	if ep := e.getenv("SHEETS_ENDPOINT"); ep != "" {
		opts = append(opts, sheets.WithEndpoint(ep))
	}
	if m != nil {
		opts = append(opts, sheets.WithObserver(m.Observer("sheets")))
	}
	return sheets.NewClient(ctx, opts...)
}

// wire connects the job described by cfg to Zoho and the spreadsheet. It
// fails before anything is read or written when a credential is missing.
func wire(ctx context.Context, cfg *config.Config, e env, log zerolog.Logger, m *metrics.Metrics) (*wiring, error) {
	creds, err := zohoCredentials(cfg, e)
	if err != nil {
		return nil, err
	}
	zc, err := newZohoClient(creds, e, log, m)
	if err != nil {
		return nil, err
	}
	sc, err := newSheetsClient(ctx, e, log, m)
	if err != nil {
		return nil, err
	}
	ss, err := sc.Open(ctx, cfg.SpreadsheetID, cfg.Timezone)
	if err != nil {
		return nil, fmt.Errorf("open spreadsheet: %w", err)
	}
	job := newJob(cfg, zc, ss, log, e)
	job.Timezone = ss.TimeZone()
	job.Org = zc // currency formats and record links
	job.Calls = func() (int, int) {
		st := ss.Stats()
		return zc.Stats().Calls, st.ReadRequests + st.WriteRequests
	}
	job.Credits = func() int { return zc.Stats().Credits }
	job.Lease = &zsync.LeasePolicy{Leaser: ss.NewLeaser(sheets.LeaseOptions{}), Poll: e.leasePoll, Logger: log, Now: e.now}
	job.Status, job.StatusTab = ss, cfg.StatusTab
	return &wiring{zoho: zc, sheet: ss, job: job}, nil
}

func newJob(cfg *config.Config, src zsync.Source, sink zsync.Sink, log zerolog.Logger, e env) *zsync.Job {
	j := &zsync.Job{Source: src, Sink: sink, Logger: log, Now: e.now}
	for i, m := range cfg.Modules {
		mj := zsync.ModuleJob{
			Module: m.Module, Sheet: m.Sheet, Columns: m.Specs(),
			OnDelete: m.OnDelete, MarkColumn: m.MarkColumn, FullEvery: m.FullEvery, Snapshot: m.Snapshot,
			Locate: func(err error) error { return cfg.LocateEntry(i, err) },
		}
		if m.Filter != nil { // a nil *filter.Filter would be a non-nil interface
			mj.Filter = locatedFilter{m.Filter, cfg, i}
		}
		j.Modules = append(j.Modules, mj)
	}
	return j
}

// newNotifier returns the failure notifier, or nil when no webhook is set.
func newNotifier(cfg *config.Config, e env, log zerolog.Logger) (*alert.Notifier, error) {
	url, where, key := e.getenv("ZOHO2SHEETS_WEBHOOK"), "ZOHO2SHEETS_WEBHOOK", ""
	if url == "" {
		url, where, key = cfg.Alerts.Webhook, cfg.File, "alerts.webhook"
	}
	if url == "" {
		return nil, nil
	}
	n, err := alert.New(url)
	if err != nil {
		return nil, &zsync.ConfigError{Where: where, Key: key, Msg: err.Error(),
			Hint: "use an https:// webhook URL (Slack incoming webhook or any JSON endpoint)"}
	}
	n.Logger = log
	if e.httpClient != nil {
		n.HTTPClient = e.httpClient
	}
	return n, nil
}
