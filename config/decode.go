package config

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"

	"github.com/zoho2sheets/zoho2sheets/sheets"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// Keys allowed at each level, in the order a hint lists them.
var (
	rootKeys   = []string{"spreadsheet_id", "schedule", "timezone", "zoho", "alerts", "status_tab", "modules"}
	zohoKeys   = []string{"data_center"}
	alertKeys  = []string{"webhook", "digest"}
	moduleKeys = []string{"module", "sheet", "on_delete", "mark_column", "full_every", "columns", "filter", "mode", "every", "keep"}
	columnKeys = []string{"header", "field", "join", "type", "format", "link"}
	onDeletes  = []string{string(zsync.OnDeleteRemove), string(zsync.OnDeleteKeep), string(zsync.OnDeleteMark)}
)

// decoder walks the YAML node tree, collecting every problem it finds.
type decoder struct {
	file   string
	src    []byte // the file's text (places folded filters' mistakes)
	getenv func(string) (string, bool)
	errs   []lineErr
}

type lineErr struct {
	line int
	err  *zsync.ConfigError
}

// add records a problem at node n (nil: the file as a whole).
func (d *decoder) add(n *yaml.Node, key, msg, hint string) {
	line, where := 0, d.file
	if n != nil && n.Line > 0 {
		line = n.Line
		where = fmt.Sprintf("%s:%d", d.file, n.Line)
	}
	d.errs = append(d.errs, lineErr{line, &zsync.ConfigError{Where: where, Key: key, Msg: msg, Hint: hint}})
}

func (d *decoder) err() error {
	if len(d.errs) == 0 {
		return nil
	}
	sort.SliceStable(d.errs, func(i, j int) bool { return d.errs[i].line < d.errs[j].line })
	errs := make([]error, len(d.errs))
	for i, e := range d.errs {
		errs[i] = e.err
	}
	return errors.Join(errs...)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

func (d *decoder) decode(data []byte) *Config {
	cfg := &Config{}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := err.Error()
		n := &yaml.Node{}
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			n.Line, _ = strconv.Atoi(m[1])
			msg = msg[len(m[0]):]
		} else {
			msg = strings.TrimPrefix(msg, "yaml: ")
		}
		d.add(n, "", "YAML syntax error: "+msg,
			"check the indentation (spaces, not tabs) and quote values containing ': ' or starting with '{', '[', '*', '&', '!', '%' or '@'")
		return cfg
	}
	if len(doc.Content) == 0 {
		d.add(nil, "", "the mapping is empty", "start from the shipped mapping.yaml")
		return cfg
	}
	root := doc.Content[0]
	f := d.fields(root, "", rootKeys)
	if f == nil {
		return cfg
	}

	if e, ok := f.get("spreadsheet_id"); ok {
		if s, ok := d.str(e, "spreadsheet_id"); ok {
			cfg.SpreadsheetID = d.spreadsheetID(e.val, s)
		}
	} else if f.missing("spreadsheet_id") {
		d.add(root, "spreadsheet_id", "missing", "add spreadsheet_id: with the id or URL of the spreadsheet, e.g. ${SPREADSHEET_ID}")
	}
	if e, ok := f.get("schedule"); ok {
		if s, ok := d.str(e, "schedule"); ok {
			cfg.Schedule = d.schedule(e.val, strings.TrimSpace(s))
		}
	}
	if e, ok := f.get("timezone"); ok {
		if s, ok := d.str(e, "timezone"); ok {
			cfg.Timezone = d.timezone(e.val, strings.TrimSpace(s))
		}
	}
	if e, ok := f.get("zoho"); ok {
		if z := d.fields(e.val, "zoho", zohoKeys); z != nil {
			if e, ok := z.get("data_center"); ok {
				if s, ok := d.str(e, "zoho.data_center"); ok {
					cfg.Zoho.DataCenter = d.dataCenter(e.val, s)
				}
			}
		}
	}
	if e, ok := f.get("alerts"); ok {
		if a := d.fields(e.val, "alerts", alertKeys); a != nil {
			if e, ok := a.get("webhook"); ok {
				if s, ok := d.str(e, "alerts.webhook"); ok {
					cfg.Alerts.Webhook = d.webhook(e.val, strings.TrimSpace(s))
				}
			}
			if e, ok := a.get("digest"); ok {
				cfg.Alerts.Digest = d.boolean(e, "alerts.digest")
			}
		}
	}
	if e, ok := f.get("modules"); ok {
		cfg.Modules = d.modules(e.val)
	} else if f.missing("modules") {
		d.add(root, "modules", "missing", "add a modules: list with at least one module, e.g. - module: Leads")
	}
	cfg.StatusTab = zsync.DefaultStatusTab
	if e, ok := f.get("status_tab"); ok {
		cfg.StatusTab = d.statusTab(e, cfg.Modules)
	} else {
		// The default title must not be a module's tab either: the status
		// rows would be written into that tab's data.
		for i, m := range cfg.Modules {
			if strings.EqualFold(strings.TrimSpace(m.Sheet), zsync.DefaultStatusTab) {
				d.add(&yaml.Node{Line: m.Line}, fmt.Sprintf("modules[%d].sheet", i), fmt.Sprintf("%q is the title of the status tab every run writes", m.Sheet),
					`give this tab another title, or name the status tab with status_tab: "Freshness" (status_tab: false to have none)`)
			}
		}
	}
	return cfg
}

// maxTabTitle is the longest tab title Google accepts, in characters.
const maxTabTitle = 100

func tooLongTitle(s string) string {
	return fmt.Sprintf("tab title of %d characters (Google allows %d)", len([]rune(s)), maxTabTitle)
}

// statusTab reads status_tab: a tab title, true (the default title) or
// false (no status tab).
func (d *decoder) statusTab(e entry, mods []Module) string {
	const hint = `write a tab title such as status_tab: "Sync status", or status_tab: false to have none`
	n := resolve(e.val)
	// Unquoted yes/no/on/off are true and false here as for every other
	// true/false key (YAML 1.2 reads them as text): "status_tab: off"
	// switches the tab off rather than naming it "off".
	word := n.Style == 0 && slices.Contains([]string{"yes", "no", "on", "off"}, strings.ToLower(n.Value))
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!bool" || word) {
		if d.boolean(e, "status_tab") {
			return zsync.DefaultStatusTab
		}
		return ""
	}
	s, ok := d.str(e, "status_tab")
	if !ok {
		return ""
	}
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		d.add(n, "status_tab", "empty tab title", hint)
		return ""
	case len([]rune(s)) > maxTabTitle:
		d.add(n, "status_tab", tooLongTitle(s), hint)
		return ""
	}
	for _, m := range mods {
		if strings.EqualFold(m.Sheet, s) {
			d.add(n, "status_tab", fmt.Sprintf("%q is also the tab of module %s (line %d)", s, m.Module, m.Line),
				"give the status tab a title of its own")
			return ""
		}
	}
	return s
}

// entry is one key and its value in a mapping.
type entry struct{ key, val *yaml.Node }

type fieldSet struct {
	m map[string]entry
	// guessed are keys suggested for misspelt ones: reporting them as
	// missing too would only repeat the typo.
	guessed map[string]bool
}

func (f *fieldSet) get(k string) (entry, bool) {
	e, ok := f.m[k]
	return e, ok
}

// missing reports whether k is absent and was not suggested for a typo.
func (f *fieldSet) missing(k string) bool {
	_, ok := f.m[k]
	return !ok && !f.guessed[k]
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return "a value"
}

// fields reads a mapping, reporting unknown and repeated keys. YAML merge
// keys (<<: *anchor) are honoured; keys written out win over merged ones. It
// returns nil, after reporting, when n is not a mapping; an empty value
// (null) is an empty mapping.
func (d *decoder) fields(n *yaml.Node, path string, known []string) *fieldSet {
	n = resolve(n)
	f := &fieldSet{m: map[string]entry{}, guessed: map[string]bool{}}
	if isNull(n) {
		return f
	}
	if n.Kind != yaml.MappingNode {
		name := path
		if name == "" {
			name = "the mapping file"
		}
		d.add(n, path, fmt.Sprintf("must be a mapping of keys, not %s", kindName(n)),
			fmt.Sprintf("valid keys in %s: %s", name, strings.Join(known, ", ")))
		return nil
	}
	var merged []entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == "<<" && k.Tag == "!!merge" {
			merged = append(merged, d.mergeEntries(v, path, known)...)
			continue
		}
		kp := joinKey(path, k.Value)
		if path == "" && strings.HasPrefix(k.Value, "x-") {
			// Extension keys hold YAML anchors to reuse (x-columns: &cols …).
			continue
		}
		if !contains(known, k.Value) {
			hint := "valid keys here: " + strings.Join(known, ", ")
			if s := suggest(k.Value, known); s != "" {
				hint = fmt.Sprintf("did you mean %s? %s", s, hint)
				f.guessed[s] = true
			}
			d.add(k, kp, "unknown key", hint)
			continue
		}
		if prev, ok := f.m[k.Value]; ok {
			d.add(k, kp, fmt.Sprintf("appears twice (first at line %d)", prev.key.Line), "keep one of them")
			continue
		}
		f.m[k.Value] = entry{k, v}
	}
	for _, e := range merged {
		if _, ok := f.m[e.key.Value]; !ok {
			f.m[e.key.Value] = e
		}
	}
	return f
}

func (d *decoder) mergeEntries(v *yaml.Node, path string, known []string) []entry {
	v = resolve(v)
	var srcs []*yaml.Node
	if v.Kind == yaml.SequenceNode {
		for _, s := range v.Content {
			srcs = append(srcs, resolve(s))
		}
	} else {
		srcs = []*yaml.Node{v}
	}
	var out []entry
	for _, s := range srcs {
		sub := d.fields(s, path, known)
		if sub == nil {
			continue
		}
		for _, e := range sub.m {
			out = append(out, e)
		}
	}
	// Map order is random; keep the result deterministic.
	sort.Slice(out, func(i, j int) bool { return out[i].key.Line < out[j].key.Line })
	return out
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// str returns a scalar's value with ${VAR} expanded. Null is "". ok is
// false when it reported a problem.
func (d *decoder) str(e entry, key string) (string, bool) {
	v := resolve(e.val)
	if v.Kind != yaml.ScalarNode {
		d.add(v, key, fmt.Sprintf("must be a single value, not %s", kindName(v)), "write it on the same line as the key")
		return "", false
	}
	if isNull(v) {
		return "", true
	}
	s, unset, err := expand(v.Value, d.getenv)
	if err != nil {
		d.add(v, key, err.Error(), "write ${NAME} or ${NAME:-default}; write $$ for a literal $")
		return "", false
	}
	for _, name := range unset {
		d.add(v, key, fmt.Sprintf("environment variable %s is not set", name),
			fmt.Sprintf("export %s, or give a default: ${%s:-value}", name, name))
	}
	return s, len(unset) == 0
}

func (d *decoder) boolean(e entry, key string) bool {
	s, ok := d.str(e, key)
	if !ok {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on":
		return true
	case "false", "no", "off", "":
		return false
	}
	d.add(resolve(e.val), key, fmt.Sprintf("%q is not true or false", s), "write true or false")
	return false
}

func (d *decoder) spreadsheetID(n *yaml.Node, s string) string {
	s = strings.TrimSpace(s)
	const hint = "use the id from the spreadsheet's URL (https://docs.google.com/spreadsheets/d/<id>/edit) or the whole URL"
	switch {
	case s == "":
		d.add(n, "spreadsheet_id", "empty", hint)
		return ""
	}
	// Parsed as the Sheets client will open it (…/spreadsheets/u/1/d/<id>
	// too, as copied when signed in to several accounts).
	id, err := sheets.ParseSpreadsheetID(s)
	switch {
	case err == nil:
		return id
	case strings.Contains(s, "/"):
		d.add(n, "spreadsheet_id", "a URL without /spreadsheets/d/<id>", hint)
	default:
		d.add(n, "spreadsheet_id", fmt.Sprintf("%q is not a spreadsheet id (letters, digits, -, _ and . only)", s), hint)
	}
	return ""
}

const scheduleHint = `use five fields "minute hour day-of-month month day-of-week", optionally after CRON_TZ=<zone>, ` +
	`e.g. "CRON_TZ=Europe/Berlin 0 6 * * *", or @hourly, @daily, @weekly, @every 6h`

func (d *decoder) schedule(n *yaml.Node, s string) string {
	if s == "" {
		return ""
	}
	if err := checkSchedule(s); err != nil {
		hint := scheduleHint
		for _, prefix := range []string{"CRON_TZ=", "TZ="} {
			if rest, ok := strings.CutPrefix(s, prefix); ok {
				if tz, _, _ := strings.Cut(rest, " "); zoneCase(tz) != "" {
					hint = "did you mean " + prefix + zoneCase(tz) + "? zone names are case-sensitive"
				}
			}
		}
		d.add(n, "schedule", "invalid cron schedule: "+err.Error(), hint)
		return ""
	}
	return s
}

// checkSchedule parses s as the daemon will (cron.ParseStandard), turning
// the parser's panic on a zone prefix without a schedule into an error.
func checkSchedule(s string) (err error) {
	if (strings.HasPrefix(s, "CRON_TZ=") || strings.HasPrefix(s, "TZ=")) && !strings.Contains(s, " ") {
		return errors.New("a time zone but no schedule")
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot parse %q", s)
		}
	}()
	_, err = cron.ParseStandard(s)
	return err
}

func (d *decoder) timezone(n *yaml.Node, s string) string {
	if s == "" {
		return ""
	}
	if _, err := time.LoadLocation(s); err != nil || s == "Local" {
		hint := "use an IANA zone name such as Europe/Berlin, America/New_York or UTC; leave it out to use the spreadsheet's zone"
		if z := zoneCase(s); z != "" {
			hint = "did you mean " + z + "? zone names are case-sensitive"
		}
		d.add(n, "timezone", fmt.Sprintf("unknown time zone %q", s), hint)
		return ""
	}
	return s
}

// zoneCase returns the zone s names in another case (europe/berlin is
// Europe/Berlin, utc is UTC), or "" when there is none.
func zoneCase(s string) string {
	var b strings.Builder
	up := true
	for _, r := range strings.ToLower(s) {
		if up {
			b.WriteString(strings.ToUpper(string(r)))
		} else {
			b.WriteRune(r)
		}
		up = r == '/' || r == '_' || r == '-'
	}
	for _, z := range []string{b.String(), strings.ToUpper(s)} {
		if _, err := time.LoadLocation(z); err == nil && z != s && z != "Local" {
			return z
		}
	}
	return ""
}

func (d *decoder) dataCenter(n *yaml.Node, s string) string {
	v := strings.ToLower(strings.TrimSpace(s))
	if v == "" || contains(DataCenters, v) {
		return v
	}
	hint := "use one of " + strings.Join(DataCenters, ", ") + ": the domain you log in to Zoho at (zoho.eu is eu)"
	d.add(n, "zoho.data_center", fmt.Sprintf("unknown data centre %q", s), hint)
	return ""
}

// webhook checks the URL without ever echoing it: it carries a secret.
func (d *decoder) webhook(n *yaml.Node, s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		d.add(n, "alerts.webhook", "not an http(s) URL",
			"use the webhook's full https:// URL, ideally from an environment variable: ${SLACK_WEBHOOK_URL}")
		return ""
	}
	return s
}

var moduleName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

func (d *decoder) modules(n *yaml.Node) []Module {
	n = resolve(n)
	const hint = "list modules as  - module: Leads  entries, each with columns"
	if isNull(n) || (n.Kind == yaml.SequenceNode && len(n.Content) == 0) {
		d.add(n, "modules", "no modules", hint)
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.add(n, "modules", fmt.Sprintf("must be a list, not %s", kindName(n)), hint)
		return nil
	}
	var out []Module
	seenSheet := map[string]int{}
	for i, item := range n.Content {
		item = resolve(item)
		p := fmt.Sprintf("modules[%d]", i)
		f := d.fields(item, p, moduleKeys)
		if f == nil {
			continue
		}
		m := Module{Line: item.Line, OnDelete: zsync.OnDeleteRemove}
		if e, ok := f.get("module"); ok {
			if s, ok := d.str(e, p+".module"); ok {
				s = strings.TrimSpace(s)
				switch {
				case s == "":
					d.add(resolve(e.val), p+".module", "empty", "write the module's API name, e.g. Leads")
				case !moduleName.MatchString(s):
					d.add(resolve(e.val), p+".module", fmt.Sprintf("%q is not a module API name", s),
						"write the API name (letters, digits, _), e.g. Leads or Price_Books; `zoho2sheets fields` lists them")
				default:
					// One module may feed several tabs (each entry its own
					// sheet, filter and columns): a tab used twice is the
					// mistake, checked below.
					m.Module = s
				}
			}
		} else if f.missing("module") {
			d.add(item, p+".module", "missing", "add module: <API name>, e.g. module: Leads")
		}
		m.Sheet = m.Module
		sheetNode := item
		if e, ok := f.get("sheet"); ok {
			if s, ok := d.str(e, p+".sheet"); ok && strings.TrimSpace(s) != "" {
				m.Sheet = strings.TrimSpace(s)
				sheetNode = resolve(e.val)
			}
		}
		if len([]rune(m.Sheet)) > maxTabTitle {
			// Google would refuse to create the tab, after the other
			// entries were already written.
			d.add(sheetNode, p+".sheet", tooLongTitle(m.Sheet),
				fmt.Sprintf("give the tab a shorter title: sheet: <at most %d characters>", maxTabTitle))
		}
		if m.Sheet != "" {
			if prev, dup := seenSheet[strings.ToLower(m.Sheet)]; dup {
				d.add(sheetNode, p+".sheet", fmt.Sprintf("tab %q is used twice (first at line %d)", m.Sheet, prev),
					"each entry writes its own tab: give this one another sheet: <title> (tab titles ignore case)")
			} else {
				seenSheet[strings.ToLower(m.Sheet)] = sheetNode.Line
			}
		}
		if e, ok := f.get("filter"); ok {
			d.filter(e, p+".filter", &m)
		}
		if e, ok := f.get("on_delete"); ok {
			if s, ok := d.str(e, p+".on_delete"); ok {
				v := strings.ToLower(strings.TrimSpace(s))
				switch {
				case v == "":
				case contains(onDeletes, v):
					m.OnDelete = zsync.OnDelete(v)
				default:
					hint := "use remove (delete the row), keep (leave it) or mark (fill the mark column)"
					if sg := suggest(v, onDeletes); sg != "" {
						hint = "did you mean " + sg + "? " + hint
					}
					d.add(resolve(e.val), p+".on_delete", fmt.Sprintf("unknown value %q", s), hint)
				}
			}
		}
		markLine := 0
		if e, ok := f.get("mark_column"); ok {
			if s, ok := d.str(e, p+".mark_column"); ok {
				m.MarkColumn = strings.TrimSpace(s)
				markLine = resolve(e.val).Line
				// A snapshot tab refuses mark_column itself (see snapshot),
				// and "add on_delete: mark" would be wrong advice there.
				if m.OnDelete != zsync.OnDeleteMark && m.MarkColumn != "" && !isSnapshotMode(f) {
					d.add(resolve(e.val), p+".mark_column", "set, but on_delete is not mark",
						"add on_delete: mark, or remove mark_column")
				}
			}
		}
		if m.OnDelete == zsync.OnDeleteMark && m.MarkColumn == "" {
			m.MarkColumn = DefaultMarkColumn
		} else if m.OnDelete != zsync.OnDeleteMark {
			m.MarkColumn = ""
		}
		if e, ok := f.get("full_every"); ok {
			if s, ok := d.str(e, p+".full_every"); ok && strings.TrimSpace(s) != "" {
				dur, err := parseEvery(strings.TrimSpace(s))
				if err != nil {
					d.add(resolve(e.val), p+".full_every", err.Error(),
						"write a duration such as 7d, 1w, 36h or 1d12h (units: w, d, h, m, s); leave it out for no periodic full run")
				} else {
					m.FullEvery = dur
				}
			}
		}
		if e, ok := f.get("columns"); ok {
			m.Columns = d.columns(e, p)
		} else if f.missing("columns") {
			d.add(item, p+".columns", "missing", "add columns:, starting with - { header: Zoho ID, field: id }")
		}
		d.snapshot(f, p, &m)
		if m.MarkColumn != "" {
			for _, c := range m.Columns {
				if strings.EqualFold(c.Header, m.MarkColumn) {
					line := markLine
					if line == 0 {
						line = c.Line
					}
					d.add(&yaml.Node{Line: line}, p+".mark_column",
						fmt.Sprintf("%q is also a mapped column's header", m.MarkColumn),
						"give the mark column a header of its own, e.g. mark_column: "+DefaultMarkColumn)
				}
			}
		}
		out = append(out, m)
	}
	return out
}

func (d *decoder) columns(e entry, mp string) []Column {
	p := mp + ".columns"
	n := resolve(e.val)
	const hint = "list columns as  - { header: Name, field: Full_Name }  entries, starting with - { header: Zoho ID, field: id }"
	if isNull(n) || (n.Kind == yaml.SequenceNode && len(n.Content) == 0) {
		d.add(n, p, "no columns", hint)
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.add(n, p, fmt.Sprintf("must be a list, not %s", kindName(n)), hint)
		return nil
	}
	var out []Column
	headers := map[string]int{}
	idLine := 0
	for i, item := range n.Content {
		item = resolve(item)
		cp := fmt.Sprintf("%s[%d]", p, i)
		c := Column{Line: item.Line}
		fieldNode := item
		if item.Kind == yaml.ScalarNode && !isNull(item) {
			// Shorthand: "- Email" maps the field Email under the header Email.
			s, ok := d.str(entry{item, item}, cp)
			if !ok {
				continue
			}
			c.Field = strings.TrimSpace(s)
		} else {
			f := d.fields(item, cp, columnKeys)
			if f == nil {
				continue
			}
			if e, ok := f.get("field"); ok {
				fieldNode = resolve(e.val)
				if s, ok := d.str(e, cp+".field"); ok {
					c.Field = strings.TrimSpace(s)
					if c.Field == "" {
						d.add(fieldNode, cp+".field", "empty field path", "write the field's API name, e.g. Full_Name or Owner.name")
						continue
					}
				} else {
					continue
				}
			} else {
				if f.missing("field") {
					d.add(item, cp+".field", "missing", "add field: <API name>, e.g. field: Full_Name")
				}
				continue
			}
			if e, ok := f.get("header"); ok {
				if s, ok := d.str(e, cp+".header"); ok {
					c.Header = strings.TrimSpace(s)
					if c.Header == "" {
						d.add(resolve(e.val), cp+".header", "empty header", "write the header text, or leave header out to use the field path")
						continue
					}
				}
			}
			if e, ok := f.get("join"); ok {
				if s, ok := d.str(e, cp+".join"); ok {
					c.Join = s
				}
			}
			if e, ok := f.get("type"); ok {
				if s, ok := d.str(e, cp+".type"); ok {
					v := strings.ToLower(strings.TrimSpace(s))
					if _, valid := zsync.ParseKind(v); valid || v == "" {
						c.Type = v
					} else {
						hint := "use one of " + strings.Join(zsync.ColumnTypes, ", ") + ", or leave type out to infer it from Zoho"
						if sg := suggest(v, slices.Concat(zsync.ColumnTypes, []string{"string", "integer", "float", "boolean", "timestamp"})); sg != "" {
							if alias := typeAlias[sg]; alias != "" {
								sg = alias
							}
							hint = "did you mean " + sg + "? " + hint
						}
						d.add(resolve(e.val), cp+".type", fmt.Sprintf("unknown type %q", s), hint)
					}
				}
			}
		}
		if item.Kind == yaml.MappingNode {
			d.columnLook(item, cp, &c)
		}
		if c.Header == "" {
			c.Header = c.Field
		}
		if !d.fieldPath(fieldNode, cp, &c) {
			continue
		}
		if c.Field == zsync.KeyField {
			if idLine > 0 {
				d.add(fieldNode, cp+".field", fmt.Sprintf("id is mapped twice (first at line %d)", idLine),
					"map id to exactly one column: it is the key rows are matched by")
			} else {
				idLine = fieldNode.Line
			}
			if c.Type != "" && c.Type != "text" {
				d.add(fieldNode, cp+".type", "the id column is always text",
					"remove the type: ids have up to 19 digits, more than a number cell keeps")
			}
		}
		key := strings.ToLower(c.Header)
		if prev, dup := headers[key]; dup {
			d.add(item, cp+".header", fmt.Sprintf("header %q is used twice (first at line %d)", c.Header, prev),
				"give each column its own header (headers ignore case and surrounding spaces)")
		} else {
			headers[key] = item.Line
		}
		out = append(out, c)
	}
	if idLine == 0 {
		d.add(resolve(e.key), p, "no column maps the record id",
			"add - { header: Zoho ID, field: id }: rows are matched by the Zoho record id")
	}
	return out
}

var typeAlias = map[string]string{"string": "text", "integer": "number", "float": "number",
	"boolean": "bool", "timestamp": "datetime"}

// fieldPath checks a column's field path; false when it reported a problem.
func (d *decoder) fieldPath(n *yaml.Node, cp string, c *Column) bool {
	segs := strings.Split(c.Field, ".")
	for _, s := range segs {
		if s == "" {
			d.add(n, cp+".field", fmt.Sprintf("empty segment in field path %q", c.Field),
				"separate API names with single dots, e.g. Owner.name")
			return false
		}
	}
	if strings.EqualFold(segs[0], zsync.KeyField) && c.Field != zsync.KeyField {
		d.add(n, cp+".field", fmt.Sprintf("%q: the record id is spelled id and has no sub-fields", c.Field),
			"did you mean id?")
		return false
	}
	return true
}

// columnLook reads a column's format: and link: keys. A format is taken
// as written (no ${VAR} expansion: "$"#,##0.00 is a pattern, not a
// variable) and checked, so a typo fails here, with its line, rather
// than in Google's answer.
func (d *decoder) columnLook(item *yaml.Node, cp string, c *Column) {
	for i := 0; i+1 < len(item.Content); i += 2 {
		k, v := item.Content[i], resolve(item.Content[i+1])
		switch k.Value {
		case "format":
			if v.Kind != yaml.ScalarNode {
				d.add(v, cp+".format", fmt.Sprintf("must be a single value, not %s", kindName(v)), `write a pattern in quotes, e.g. format: "#,##0.00"`)
				continue
			}
			val := v.Value
			if isNull(v) {
				val = ""
			}
			if err := zsync.CheckNumberFormat(val); err != nil {
				d.add(v, cp+".format", err.Error(),
					`write a Sheets number format in quotes, e.g. "#,##0.00", "\"€\"#,##0", "0.0%" or "yyyy-mm-dd"; leave format out for the one Zoho's field implies`)
				continue
			}
			c.Format = val
		case "link":
			c.Link = d.boolean(entry{k, item.Content[i+1]}, cp+".link")
		}
	}
}

// isSnapshotMode reports whether the entry says mode: snapshot.
func isSnapshotMode(f *fieldSet) bool {
	e, ok := f.get("mode")
	if !ok {
		return false
	}
	v := resolve(e.val)
	return v.Kind == yaml.ScalarNode && strings.EqualFold(strings.TrimSpace(v.Value), "snapshot")
}

// snapshot reads mode:, every: and keep: of a module entry. A snapshot tab
// is a history that is only appended to, so on_delete, mark_column and
// full_every, which say how a mirror follows the CRM, do not apply.
func (d *decoder) snapshot(f *fieldSet, p string, m *Module) {
	mode := "mirror"
	var modeNode *yaml.Node
	if e, ok := f.get("mode"); ok {
		modeNode = resolve(e.val)
		if s, ok := d.str(e, p+".mode"); ok {
			switch v := strings.ToLower(strings.TrimSpace(s)); v {
			case "", "mirror":
			case "snapshot":
				mode = v
			default:
				hint := "use mirror (the tab follows the CRM, the default) or snapshot (every run appends the records as of now)"
				if sg := suggest(v, []string{"mirror", "snapshot"}); sg != "" {
					hint = "did you mean " + sg + "? " + hint
				}
				d.add(modeNode, p+".mode", fmt.Sprintf("unknown mode %q", s), hint)
				return
			}
		}
	}
	if mode != "snapshot" {
		for _, k := range []string{"every", "keep"} {
			if e, ok := f.get(k); ok {
				d.add(resolve(e.key), p+"."+k, "set, but mode is not snapshot", "add mode: snapshot, or remove "+k)
			}
		}
		return
	}
	sp := &zsync.SnapshotSpec{Every: zsync.PeriodDay}
	if e, ok := f.get("every"); ok {
		if s, ok := d.str(e, p+".every"); ok {
			switch v := zsync.Period(strings.ToLower(strings.TrimSpace(s))); v {
			case zsync.PeriodDay, zsync.PeriodWeek:
				sp.Every = v
			default:
				d.add(resolve(e.val), p+".every", fmt.Sprintf("%q is not a snapshot period", s),
					"use 1d (one snapshot per calendar day) or 1w (one per ISO week, Monday to Sunday)")
			}
		}
	}
	if e, ok := f.get("keep"); ok {
		if s, ok := d.str(e, p+".keep"); ok {
			const hint = "write how long snapshots are kept in days or weeks, e.g. keep: 26w or keep: 90d; leave it out to keep all"
			dur, err := parseEvery(strings.TrimSpace(s))
			switch {
			case err != nil:
				d.add(resolve(e.val), p+".keep", err.Error(), hint)
			case dur%(24*time.Hour) != 0:
				d.add(resolve(e.val), p+".keep", fmt.Sprintf("%q is not a whole number of days", s), hint)
			case int(dur/(24*time.Hour)) < sp.Every.Length():
				d.add(resolve(e.val), p+".keep", fmt.Sprintf("%q keeps less than one snapshot period (%s)", s, sp.Every), hint)
			default:
				sp.KeepDays = int(dur / (24 * time.Hour))
			}
		}
	}
	for _, k := range []string{"on_delete", "mark_column", "full_every"} {
		if e, ok := f.get(k); ok {
			d.add(resolve(e.key), p+"."+k, "does not apply to a snapshot tab (rows are only ever appended)", "remove "+k+", or map the module to a mirror tab of its own for it")
		}
	}
	m.Snapshot, m.OnDelete, m.MarkColumn, m.FullEvery = sp, zsync.OnDeleteKeep, "", 0
}
