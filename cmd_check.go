package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/zoho2sheets/zoho2sheets/config"
	"github.com/zoho2sheets/zoho2sheets/sheets"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
	"github.com/zoho2sheets/zoho2sheets/zoho"
)

// checkSnapshots projects each snapshot tab's growth against Google's
// 10,000,000-cell limit, from the module's record count today, and warns
// when the limit is in sight.
func checkSnapshots(ctx context.Context, e env, cfg *config.Config, ss *sheets.Spreadsheet, zc *zoho.Client, pass func(string, ...any)) {
	cells, err := ss.Cells(ctx)
	if err != nil || zc == nil {
		return
	}
	for _, m := range cfg.Modules {
		sp := m.Snapshot
		if sp == nil {
			continue
		}
		n, err := zc.Count(ctx, m.Module)
		if err != nil {
			fmt.Fprintf(e.stdout, "warn  snapshot tab %q: cannot count %s to project its growth: %v\n", m.Sheet, m.Module, err)
			continue
		}
		g := sp.Project(n, len(m.Columns)+1, cells)
		unit := map[zsync.Period]string{zsync.PeriodDay: "day", zsync.PeriodWeek: "week"}[sp.Every]
		what := fmt.Sprintf("snapshot tab %q: %d records × %d columns = %d cells a %s", m.Sheet, n, len(m.Columns)+1, g.PerSnapshot, unit)
		if m.Filter != nil {
			what += " (counted without the filter: an upper bound)"
		}
		switch {
		case g.Steady > 0 && g.Warn:
			fmt.Fprintf(e.stdout, "warn  %s; keeping %d snapshots needs %d cells, near or above Google's limit of %d\n      fix: keep fewer (keep:), map fewer columns, or use a spreadsheet of its own\n",
				what, sp.Kept(), g.Steady, zsync.CellLimit)
		case g.Steady > 0:
			pass("%s; with keep it levels off at about %d cells (%d%% of Google's limit)", what, g.Steady, g.Steady*100/zsync.CellLimit)
		case g.Warn:
			fmt.Fprintf(e.stdout, "warn  %s; the spreadsheet reaches Google's limit of %d cells in about %d %ss\n      fix: set keep: (e.g. keep: 26w), map fewer columns, or use a spreadsheet of its own\n",
				what, zsync.CellLimit, g.Periods, unit)
		default:
			pass("%s; Google's limit is about %d %ss away (keep: stops the growth)", what, g.Periods, unit)
		}
	}
}

// errCheckFailed is returned when a preflight check failed; the failures
// were printed.
var errCheckFailed = fmt.Errorf("%w: check found problems", errRunFailed)

// cmdCheck tries everything a run needs without writing any record: the
// configuration, the Zoho token, every mapped field, the spreadsheet's
// reachability and write access.
func cmdCheck(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	cfgPath := fs.String("config", "mapping.yaml", "mapping file")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	ok := true
	pass := func(format string, a ...any) { fmt.Fprintf(e.stdout, "ok    "+format+"\n", a...) }
	fail := func(err error) {
		ok = false
		err = misspeltVariable(err, e.environ)
		// "what (how to fix)", as README shows mapping mistakes; a fix the
		// message does not end with gets a line of its own.
		h := zsync.Hint(err)
		fmt.Fprintf(e.stdout, "FAIL  %v\n", err)
		if h != "" && errorText(err, h) == err.Error() {
			fmt.Fprintf(e.stdout, "      fix: %s\n", h)
		}
	}

	cfg, err := config.Load(*cfgPath, lookupEnv(e))
	if err != nil {
		for _, ce := range config.ErrorList(err) {
			fail(ce)
		}
		if len(config.ErrorList(err)) == 0 {
			fail(err)
		}
		return usageErr("%s is not valid (see above)", *cfgPath)
	}
	pass("%s: %d module(s), spreadsheet %s", cfg.File, len(cfg.Modules), cfg.SpreadsheetID)
	if n, err := newNotifier(cfg, e, quietLogger(e)); err != nil {
		fail(err)
	} else if n != nil {
		pass("alerts: failures are posted to %s", n.Host()) // the rest of the URL is a secret
	} else if cfg.Alerts.Digest {
		fmt.Fprint(e.stdout, "warn  alerts: digest is true but no webhook is set: nothing is posted\n      fix: set ZOHO2SHEETS_WEBHOOK or alerts.webhook\n")
	}

	log := quietLogger(e)
	var zcOK *zoho.Client // a client whose token works
	if creds, err := zohoCredentials(cfg, e); err != nil {
		fail(err)
	} else if zc, err := newZohoClient(creds, e, log, nil); err != nil {
		fail(err)
	} else if _, err := zc.Token(ctx); err != nil {
		fail(fmt.Errorf("zoho access token: %w", err))
	} else {
		// The token may come from the shared cache: the field reads below
		// prove it is accepted (a rejected one is refreshed there).
		pass("zoho: access token ok (data centre %s, API domain %s)", creds.DC, zc.APIDomain())
		zcOK = zc
		if org, err := zc.Org(ctx); err != nil {
			// Not a failure: the sync runs, without currency formats and links.
			fmt.Fprintf(e.stdout, "warn  zoho: cannot read the org settings (currency formats and link columns need them): %v\n", err)
			if h := zsync.Hint(err); h != "" {
				fmt.Fprintf(e.stdout, "      fix: %s\n", h)
			}
		} else {
			pass("zoho: org currency %s %s (currency columns are formatted in it)", org.CurrencyCode, org.CurrencySymbol)
		}
		if len(cfg.Modules) > 0 {
			// Which API the tabs read through depends on the token's
			// scopes; an entry's own mistakes are reported below.
			_ = zc.ProbeCOQL(ctx, cfg.Modules[0].Module)
		}
		zone := checkZone(ctx, cfg, e, log)
		for i := range cfg.Modules {
			checkEntry(ctx, cfg, i, zc, zone, e, pass, fail)
		}
	}

	sc, err := newSheetsClient(ctx, e, log, nil)
	if err != nil {
		fail(err)
	} else {
		email := sc.ServiceAccountEmail()
		if email != "" {
			pass("google: credentials of %s (share the spreadsheet with this address as Editor)", email)
		}
		ss, err := sc.Open(ctx, cfg.SpreadsheetID, cfg.Timezone)
		if err != nil {
			fail(fmt.Errorf("google: open spreadsheet %s: %w", cfg.SpreadsheetID, err))
		} else if err := ss.CheckWritable(ctx); err != nil {
			fail(fmt.Errorf("google: spreadsheet %s is not writable: %w", cfg.SpreadsheetID, err))
		} else {
			pass("google: spreadsheet %q is reachable and writable (time zone %s)", ss.Title(), ss.TimeZone())
			checkSnapshots(ctx, e, cfg, ss, zcOK, pass)
		}
	}
	if !ok {
		return errCheckFailed
	}
	fmt.Fprintln(e.stdout, "all checks passed")
	return nil
}
