// Package config loads mapping.yaml: which Zoho CRM modules go to which tabs
// of which spreadsheet, with which columns, and when.
//
// Loading is strict and happens before anything is read or written: unknown
// keys, missing or duplicated columns, bad values and unset environment
// variables are all reported at once, each as a *zsync.ConfigError naming
// the file and line, the key path and how to fix it.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	// Zone names must validate the same way in a scratch container as on a
	// laptop: embed the zone database (about 450 KB).
	_ "time/tzdata"

	"github.com/zoho2sheets/zoho2sheets/filter"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// DefaultMarkColumn is the header of the column filled for records deleted
// in Zoho when on_delete is mark.
const DefaultMarkColumn = "Deleted in Zoho"

// DataCenters lists the valid zoho.data_center values; "" means us.
var DataCenters = []string{"us", "eu", "in", "au", "jp", "ca", "cn", "sa", "uk"}

// Config is a loaded, validated mapping.yaml.
type Config struct {
	// File is the name the config was loaded from (used in error messages).
	File string
	// SpreadsheetID is the bare spreadsheet id, also when the file gives
	// the spreadsheet's full URL.
	SpreadsheetID string
	// Schedule is the daemon's cron schedule (robfig/cron standard syntax,
	// CRON_TZ= prefix and @descriptors allowed); "" when not set.
	Schedule string
	// Timezone is the IANA zone of date and datetime cells; "" means the
	// spreadsheet's own zone.
	Timezone string
	Zoho     struct {
		// DataCenter is one of DataCenters, lower case; "" means us.
		DataCenter string
	}
	Alerts struct {
		// Webhook is a Slack incoming webhook or any JSON webhook URL.
		Webhook string
		// Digest asks for a daily success digest as well as failure alerts.
		Digest bool
	}
	// StatusTab is the title of the tab every run updates with each synced
	// tab's freshness (default zsync.DefaultStatusTab); "" when switched off.
	StatusTab string
	// Modules are the modules to sync, in file order.
	Modules []Module
}

// Module is the mapping of one CRM module to one tab.
type Module struct {
	// Module is the Zoho module API name (Leads, Deals, …).
	Module string
	// Sheet is the tab title (default: the module name). Several entries
	// may name one module; each writes its own tab.
	Sheet string
	// Filter, when set, limits the tab to the records that match it (a
	// view); nil syncs every record.
	Filter *filter.Filter
	// FilterAt places a position within the filter text in the file.
	FilterAt FilterPlace
	// OnDelete says what happens to rows of deleted records (default remove).
	OnDelete zsync.OnDelete
	// MarkColumn is the header filled for deleted records when OnDelete is
	// mark (default DefaultMarkColumn); "" otherwise.
	MarkColumn string
	// FullEvery, when positive, forces a periodic full reconcile.
	FullEvery time.Duration
	// Snapshot, when set (mode: snapshot), makes the tab a history.
	Snapshot *zsync.SnapshotSpec
	// Columns are the mapped columns in sheet order; exactly one maps id.
	Columns []Column
	// Line is the line of the module's entry in the file.
	Line int
}

// Column is one mapped column.
type Column struct {
	Header string // header text, trimmed (default: the field path)
	Field  string // dotted field path; "id" is the record id
	Join   string // separator for array values ("" means ", ")
	Type   string // "" (infer) or text, number, bool, date, datetime
	Format string // Sheets number-format pattern ("" = from Zoho's field metadata)
	Link   bool   // cells link to their record in the CRM
	Line   int    // line of the column's entry in the file
}

// Specs returns the module's columns as the sync package takes them.
func (m Module) Specs() []zsync.ColumnSpec {
	out := make([]zsync.ColumnSpec, len(m.Columns))
	for i, c := range m.Columns {
		out[i] = zsync.ColumnSpec{Header: c.Header, Field: c.Field, Join: c.Join, Type: c.Type, Format: c.Format, Link: c.Link}
	}
	return out
}

// Module returns the module with the given API name, matched exactly first,
// then ignoring case.
func (c *Config) Module(name string) (*Module, bool) {
	for i := range c.Modules {
		if c.Modules[i].Module == name {
			return &c.Modules[i], true
		}
	}
	for i := range c.Modules {
		if strings.EqualFold(c.Modules[i].Module, name) {
			return &c.Modules[i], true
		}
	}
	return nil, false
}

// Load reads and parses the mapping file at path. Environment variables are
// looked up with getenv when one is given, else with os.LookupEnv. Every
// error is a *zsync.ConfigError (several are joined with errors.Join).
func Load(path string, getenv ...func(string) (string, bool)) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		hint := "check the path given to --config"
		if errors.Is(err, fs.ErrNotExist) {
			hint = "pass --config <file>, or start from the shipped mapping.yaml (or `zoho2sheets init`)"
		}
		return nil, &zsync.ConfigError{Where: path, Msg: "cannot read the mapping: " + errText(err), Hint: hint}
	}
	var ge func(string) (string, bool)
	if len(getenv) > 0 {
		ge = getenv[0]
	}
	return Parse(data, path, ge)
}

// errText is err without the path os.ReadFile puts in front of it (the
// path is already in Where).
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Parse parses and validates a mapping. filename is used in error positions;
// getenv resolves ${VAR} (nil means os.LookupEnv). It returns all problems
// at once: errors.Join of *zsync.ConfigError values sorted by line, each
// reading "file:line: key: what (how to fix)".
func Parse(data []byte, filename string, getenv func(string) (string, bool)) (*Config, error) {
	if getenv == nil {
		getenv = os.LookupEnv
	}
	d := &decoder{file: filename, getenv: getenv, src: data}
	cfg := d.decode(data)
	if err := d.err(); err != nil {
		return nil, err
	}
	cfg.File = filename
	return cfg, nil
}

// ErrorList returns the *zsync.ConfigError values inside an error returned
// by Parse or Load.
func ErrorList(err error) []*zsync.ConfigError {
	var out []*zsync.ConfigError
	var walk func(error)
	walk = func(e error) {
		if ce, ok := e.(*zsync.ConfigError); ok {
			out = append(out, ce)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		if u := errors.Unwrap(e); u != nil {
			walk(u)
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}

// LocateEntry points mapping errors at the file: every *zsync.MappingError
// in err (as returned by zsync.NewSchemaMapper for module entry mi;
// several entries may map one module) becomes a *zsync.ConfigError with the
// file:line and key path of the column, so a field unknown to Zoho reads
// like any other mistake in the file; so does a *zsync.UnknownModuleError,
// at the entry's line. Other errors, and any error for an
// index out of range, are returned unchanged.
func (c *Config) LocateEntry(mi int, err error) error {
	if err == nil {
		return nil
	}
	if mi < 0 || mi >= len(c.Modules) {
		return err
	}
	module := c.Modules[mi].Module
	locate := func(e error) error {
		if ue := (*zsync.UnknownModuleError)(nil); errors.As(e, &ue) {
			return &zsync.ConfigError{Where: fmt.Sprintf("%s:%d", c.File, c.Modules[mi].Line),
				Key: fmt.Sprintf("modules[%d].module", mi), Msg: ue.Error(), Hint: ue.Hint()}
		}
		var me *zsync.MappingError
		if !errors.As(e, &me) {
			return e
		}
		m := c.Modules[mi]
		line, key := m.Line, fmt.Sprintf("modules[%d].columns", mi)
		for j, col := range m.Columns {
			if strings.EqualFold(col.Header, strings.TrimSpace(me.Header)) && col.Field == me.Field {
				line, key = col.Line, fmt.Sprintf("modules[%d].columns[%d].field", mi, j)
				break
			}
		}
		return &zsync.ConfigError{Where: fmt.Sprintf("%s:%d", c.File, line), Key: key,
			Msg: fmt.Sprintf("%q: %s (module %s)", me.Field, me.Msg, module), Hint: me.Fix}
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs := j.Unwrap()
		out := make([]error, len(errs))
		for i, e := range errs {
			out[i] = locate(e)
		}
		return errors.Join(out...)
	}
	return locate(err)
}
