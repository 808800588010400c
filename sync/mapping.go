package sync

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ColumnSpec is one column of a mapping as the user wrote it: which CRM
// field goes under which header, and how.
type ColumnSpec struct {
	// Header is the column's header text in the tab.
	Header string
	// Field is a dotted path: the field's API name, then keys into lookups,
	// objects and array elements (Owner.name, Tag.name). "id" is the record
	// id, the upsert key.
	Field string
	// Join separates the elements of array values (default ", ").
	Join string
	// Type forces the cell type: text, number, bool, date or datetime.
	// Empty infers it from the field's Zoho data_type.
	Type string
	// Format is a number-format pattern ("#,##0.00", "yyyy-mm-dd") that
	// replaces the one inferred from the field's metadata.
	Format string
	// Link makes each cell a link to its record in the CRM's web UI.
	Link bool
}

// DefaultJoin separates the elements of an array value in one cell.
const DefaultJoin = ", "

// KeyField is the field path of the record id, the upsert key.
const KeyField = "id"

// ParseKind returns the Kind named by a column type ("text", "number",
// "bool", "date", "datetime"); ok is false for any other name.
func ParseKind(s string) (k Kind, ok bool) {
	switch s {
	case "text":
		return KindText, true
	case "number":
		return KindNumber, true
	case "bool":
		return KindBool, true
	case "date":
		return KindDate, true
	case "datetime":
		return KindDateTime, true
	}
	return KindEmpty, false
}

// ColumnTypes lists the valid ColumnSpec.Type values.
var ColumnTypes = []string{"text", "number", "bool", "date", "datetime"}

// MappingError is a column of a mapping that does not fit the module's
// fields. It implements HintError.
type MappingError struct {
	Header string // the column's header
	Field  string // the column's field path
	Msg    string
	Fix    string // how to fix it (returned by Hint)
}

func (e *MappingError) Error() string {
	s := fmt.Sprintf("column %q (field %q): %s", e.Header, e.Field, e.Msg)
	if e.Fix != "" {
		s += " (" + e.Fix + ")"
	}
	return s
}

// Hint returns how to fix the column.
func (e *MappingError) Hint() string { return e.Fix }

// colPlan is a column resolved once so that Row does no parsing.
type colPlan struct {
	key    string   // Record.Fields key: the field, or a path through lookups
	path   []string // keys walked into the value
	kind   Kind
	forced bool // kind came from ColumnSpec.Type: strings are parsed into it
	join   string
	isKey  bool
	field  *Field // nil for the key
	format string // ColumnSpec.Format
	link   bool
}

// Mapper turns records of one module into rows. It is built once per run
// from the mapping and the module's field metadata; Row is safe for
// concurrent use.
type Mapper struct {
	cols      []Column
	plans     []colPlan
	key       int
	fields    []string
	relations []string
	link      func(id string) string // record address for link columns
}

// NewSchemaMapper resolves specs against a module's field metadata
// (schema.Fields) and that of its related modules (schema.Related), so
// columns may read fields of related records through up to two lookups
// (Account_Name.Industry, Contact_Name.Account_Name.Account_Name), typed
// from the related module's field. It returns an error (joining one
// *MappingError per bad column) when a column names a field the module
// does not have, a lookup sub-field other than id, name or email, an
// unknown type, or when the id column is missing or mapped twice.
//
// Kinds are inferred from each field's data_type unless the spec forces one:
// datetime and date fields become date cells, integer, double, currency,
// percent and decimal numbers, boolean bools; bigint (ids) and everything
// else text. A path into a lookup (Owner.name) is text, and a lookup on its
// own (Owner) shows its name.
func NewSchemaMapper(specs []ColumnSpec, schema Schema) (*Mapper, error) {
	m := &Mapper{key: -1}
	var errs []error
	seenHeader := map[string]bool{}
	seenField := map[string]bool{}
	for _, s := range specs {
		bad := func(msg, fix string) {
			errs = append(errs, &MappingError{Header: s.Header, Field: s.Field, Msg: msg, Fix: fix})
		}
		h := strings.ToLower(strings.TrimSpace(s.Header))
		if h == "" {
			bad("empty header", "give every column a header")
			continue
		}
		if seenHeader[h] {
			bad("header used twice", "give each column its own header")
			continue
		}
		seenHeader[h] = true

		p := colPlan{join: s.Join, format: s.Format, link: s.Link}
		if s.Format != "" {
			if err := CheckNumberFormat(s.Format); err != nil {
				bad(fmt.Sprintf("format %q: %v", s.Format, err), `write a Sheets number format such as "#,##0.00" or "yyyy-mm-dd"`)
				continue
			}
		}
		if p.join == "" {
			p.join = DefaultJoin
		}
		if s.Type != "" {
			k, ok := ParseKind(s.Type)
			if !ok {
				bad(fmt.Sprintf("unknown type %q", s.Type), "use one of "+strings.Join(ColumnTypes, ", "))
				continue
			}
			p.kind, p.forced = k, true
		}

		if s.Field == KeyField {
			if m.key >= 0 {
				bad("the record id is mapped twice", "map id to exactly one column")
				continue
			}
			if p.forced && p.kind != KindText {
				bad("the id column is always text", "remove its type")
				continue
			}
			p.kind, p.isKey = KindText, true
			m.key = len(m.plans)
		} else {
			fp, err := schema.Resolve(s.Field)
			if err != nil {
				bad(err.Msg, err.Fix)
				continue
			}
			p.key, p.path = fp.Key, fp.Rest
			if !p.forced {
				p.kind = inferKind(&fp.Field, 1+len(fp.Rest))
			}
			if len(fp.Rest) == 0 {
				f := fp.Field
				p.field = &f // its metadata gives the column's number format
			}
			if !seenField[fp.Key] {
				seenField[fp.Key] = true
				m.fields = append(m.fields, fp.Key)
			}
			rels := fp.Relations
			if namesRelated(fp) {
				// The cell shows the related record's name: renaming the
				// account changes it, the deal itself is not modified.
				rels = append(slices.Clone(rels), fp.Key)
			}
			for _, r := range rels {
				if !slices.Contains(m.relations, r) {
					m.relations = append(m.relations, r)
				}
			}
		}
		m.plans = append(m.plans, p)
		m.cols = append(m.cols, Column{Header: strings.TrimSpace(s.Header), Kind: p.kind, Link: p.link})
	}
	if m.key < 0 && !hasKeySpec(specs) {
		errs = append(errs, &MappingError{Header: "", Field: KeyField, Msg: "no column maps the record id",
			Fix: "add a column { header: Zoho ID, field: id }: rows are matched by it"})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return m, nil
}

func hasKeySpec(specs []ColumnSpec) bool {
	for _, s := range specs {
		if s.Field == KeyField {
			return true
		}
	}
	return false
}

func isLookup(dataType string) bool {
	switch dataType {
	case "lookup", "ownerlookup", "userlookup", "layout":
		return true
	}
	return false
}

// namesRelated reports whether a path shows a lookup's display name
// (Account_Name, Account_Name.name), which is the related record's field.
func namesRelated(fp FieldPath) bool {
	return traversable(&fp.Field) && (len(fp.Rest) == 0 || len(fp.Rest) == 1 && lookupKey(fp.Rest[0]) == 1)
}

// lookupKey returns 0, 1, 2 for the id, name and email of a Lookup, -1 for
// anything else. Case is ignored: Zoho's own docs write both Owner.name and
// Owner.Name.
func lookupKey(s string) int {
	switch {
	case strings.EqualFold(s, "id"):
		return 0
	case strings.EqualFold(s, "name"):
		return 1
	case strings.EqualFold(s, "email"):
		return 2
	}
	return -1
}

func inferKind(f *Field, depth int) Kind {
	if depth > 1 {
		// Sub-fields of lookups and objects are names, ids and emails.
		return KindText
	}
	switch strings.ToLower(f.DataType) {
	case "datetime":
		return KindDateTime
	case "date":
		return KindDate
	case "integer", "double", "currency", "percent", "decimal":
		return KindNumber
	case "boolean":
		return KindBool
	case "bigint", "autonumber", "lookup", "ownerlookup", "userlookup", "layout", "text", "textarea",
		"email", "phone", "website", "picklist", "multiselectpicklist":
		// bigint holds ids of up to 19 digits: a number cell would round them.
		return KindText
	}
	// Formula and rollup fields carry their result type only in json_type.
	switch f.JSONType {
	case "integer", "double":
		return KindNumber
	case "boolean":
		return KindBool
	}
	return KindText
}

func unknownFieldHint(name string, fields []Field) string {
	cands := make([]string, 0, 2*len(fields))
	api := make([]string, 0, 2*len(fields))
	for _, f := range fields {
		cands = append(cands, f.APIName)
		api = append(api, f.APIName)
		if f.Label != "" {
			// Users often type the label they see in the CRM ("Lead Owner").
			cands = append(cands, f.Label)
			api = append(api, f.APIName)
		}
	}
	if i := Closest(name, cands); i >= 0 {
		return fmt.Sprintf("did you mean %s?", api[i])
	}
	return "use the field's API name; `zoho2sheets fields <module>` lists them"
}

// Closest returns the index of the candidate nearest to s, for "did you
// mean" hints: a match ignoring case, spaces and underscores first, else the
// smallest edit distance within about a third of the length; -1 when
// nothing is close.
func Closest(s string, cands []string) int {
	norm := func(x string) string {
		return strings.NewReplacer(" ", "", "_", "").Replace(strings.ToLower(x))
	}
	ns := norm(s)
	for i, c := range cands {
		if norm(c) == ns {
			return i
		}
	}
	best, bestD := -1, max(1, (len([]rune(ns))+2)/3)+1
	for i, c := range cands {
		if d := editDistance(ns, norm(c)); d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

// editDistance is the optimal-string-alignment distance: insertions,
// deletions, substitutions and swaps of neighbours each cost one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// Columns returns the mapped columns in mapping order.
func (m *Mapper) Columns() []Column { return append([]Column(nil), m.cols...) }

// UseOrg sets the columns' number formats: the mapping's format key, else
// the one the field's metadata implies (currency columns in org's
// currency); a column whose type the mapping forced keeps no inferred
// format. Call it before Columns.
func (m *Mapper) UseOrg(org Org) {
	for i, p := range m.plans {
		currency := p.field != nil && strings.EqualFold(p.field.DataType, "currency")
		switch {
		case p.format != "":
			m.cols[i].Format = formatFor(p.format, p.kind, currency)
		case p.field != nil && !p.forced && p.kind == KindNumber:
			m.cols[i].Format = fieldFormat(p.field, org)
		}
	}
}

// UseLinks makes Row fill Cell.Link of link columns with url(record id).
func (m *Mapper) UseLinks(url func(id string) string) { m.link = url }

// needsOrg reports whether the org's settings change anything: a link
// column, or a currency column without a format of the mapping's own.
func (m *Mapper) needsOrg() bool {
	for _, p := range m.plans {
		if p.link || p.format == "" && !p.forced && p.field != nil && strings.EqualFold(p.field.DataType, "currency") {
			return true
		}
	}
	return false
}

// HasLinks reports whether any column asks for links.
func (m *Mapper) HasLinks() bool {
	for _, p := range m.plans {
		if p.link {
			return true
		}
	}
	return false
}

// Key returns the index of the id column in Columns.
func (m *Mapper) Key() int { return m.key }

// Fields returns the field API names to read from the CRM: the field of
// every path (with the lookups before it for a related record's field,
// Account_Name.Industry), deduplicated, in mapping order, without "id"
// (which is always read).
func (m *Mapper) Fields() []string { return append([]string(nil), m.fields...) }

// Relations returns the lookups the columns read related records through
// (Account_Name, Contact_Name.Account_Name), in mapping order.
func (m *Mapper) Relations() []string { return append([]string(nil), m.relations...) }

// Row converts one record into a row. It never fails: a value that does not
// fit its column's kind is written as text, so no data is lost, and a path
// that leads nowhere yields an empty cell.
func (m *Mapper) Row(r Record) Row {
	cells := make([]Cell, len(m.plans))
	key := r.ID
	if key == "" {
		key, _ = r.Fields[KeyField].(string)
	}
	for i := range m.plans {
		p := &m.plans[i]
		if p.isKey {
			cells[i] = Text(key)
			continue
		}
		cells[i] = p.cell(r.Fields[p.key], p.path)
	}
	if m.link != nil && key != "" {
		for i := range m.plans {
			if m.plans[i].link {
				cells[i].Link = m.link(key)
			}
		}
	}
	return Row{Key: key, Cells: cells}
}

// cell maps v, walked by the rest of the path, to a cell of the column.
func (p *colPlan) cell(v Value, rest []string) Cell {
	switch x := v.(type) {
	case nil:
		return Cell{}
	case Lookup:
		if len(rest) == 0 {
			return p.fromString(lookupDisplay(x))
		}
		if len(rest) > 1 {
			return Cell{}
		}
		return p.fromString(lookupPart(x, rest[0]))
	case map[string]Value:
		if len(rest) == 0 {
			return p.fromString(objectText(x))
		}
		return p.cell(x[rest[0]], rest[1:])
	case []string:
		if len(rest) > 0 {
			return Cell{}
		}
		switch len(x) {
		case 0:
			return Cell{}
		case 1:
			return p.fromString(x[0])
		}
		return p.fromString(strings.Join(x, p.join))
	case []Value:
		return p.array(x, rest)
	}
	if len(rest) > 0 {
		// A path into a scalar leads nowhere.
		return Cell{}
	}
	return p.scalar(v)
}

// array joins the elements of an array, each walked by rest. A lone element
// keeps its type (a one-element array of numbers in a number column stays a
// number).
func (p *colPlan) array(xs []Value, rest []string) Cell {
	if len(xs) == 1 {
		return p.cell(xs[0], rest)
	}
	return p.fromString(joinText(xs, rest, p.join))
}

// joinText joins the non-empty texts of the elements of xs, each walked by
// rest.
func joinText(xs []Value, rest []string, join string) string {
	var b strings.Builder
	for _, e := range xs {
		s := textAt(e, rest, join)
		if s == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(join)
		}
		b.WriteString(s)
	}
	return b.String()
}

// textAt returns the text of v walked by rest ("" when the path leads
// nowhere).
func textAt(v Value, rest []string, join string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case Lookup:
		switch len(rest) {
		case 0:
			return lookupDisplay(x)
		case 1:
			return lookupPart(x, rest[0])
		}
		return ""
	case map[string]Value:
		if len(rest) > 0 {
			return textAt(x[rest[0]], rest[1:], join)
		}
		return objectText(x)
	case []string:
		if len(rest) > 0 {
			return ""
		}
		return strings.Join(x, join)
	case []Value:
		return joinText(x, rest, join)
	}
	if len(rest) > 0 {
		return ""
	}
	return text(v)
}

// objectText is an object shown whole: its name when it has one, else its
// JSON (keys sorted, so the cell does not change from run to run).
func objectText(x map[string]Value) string {
	for _, k := range [...]string{"name", "Name", "id"} {
		if s, ok := x[k].(string); ok && s != "" {
			return s
		}
	}
	if len(x) == 0 {
		return ""
	}
	js, err := json.Marshal(x)
	if err != nil {
		return fmt.Sprint(x)
	}
	return string(js)
}

// lookupDisplay is a lookup's name: every read path returns names, so an
// empty one is empty in Zoho and the cell is too (never the id, never the
// name of the record the lookup pointed at before).
func lookupDisplay(l Lookup) string { return l.Name }

func lookupPart(l Lookup, key string) string {
	switch lookupKey(key) {
	case 0:
		return l.ID
	case 1:
		return l.Name
	case 2:
		return l.Email
	}
	return ""
}

// fromString maps a string to the column's kind. Strings are parsed only
// when the user forced the type; an inferred text column keeps "007" as
// text.
func (p *colPlan) fromString(s string) Cell {
	if s == "" {
		return Cell{}
	}
	if !p.forced || p.kind == KindText {
		return Text(s)
	}
	switch p.kind {
	case KindNumber:
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return Number(f)
		}
	case KindBool:
		if t := strings.TrimSpace(s); strings.EqualFold(t, "true") {
			return Bool(true)
		} else if strings.EqualFold(t, "false") {
			return Bool(false)
		}
	case KindDate:
		if d, err := ParseDate(strings.TrimSpace(s)); err == nil {
			return DateCell(d)
		}
		if t, err := time.Parse(time.RFC3339, strings.TrimSpace(s)); err == nil {
			return DateCell(Date{t.Year(), t.Month(), t.Day()})
		}
	case KindDateTime:
		if t, err := time.Parse(time.RFC3339, strings.TrimSpace(s)); err == nil {
			return DateTime(t)
		}
		if d, err := ParseDate(strings.TrimSpace(s)); err == nil {
			return DateCell(d)
		}
	}
	return Text(s)
}

// maxExact is the largest integer a float64 holds exactly.
const maxExact = 1 << 53

// scalar maps a non-container value to the column's kind, falling back to
// its text.
func (p *colPlan) scalar(v Value) Cell {
	switch x := v.(type) {
	case string:
		return p.fromString(x)
	case int64:
		if p.kind == KindNumber && x <= maxExact && x >= -maxExact {
			return Number(float64(x))
		}
	case int:
		if p.kind == KindNumber && x <= maxExact && x >= -maxExact {
			return Number(float64(x))
		}
	case float64:
		if p.kind == KindNumber && !math.IsInf(x, 0) && !math.IsNaN(x) {
			return Number(x)
		}
	case bool:
		if p.kind == KindBool {
			return Bool(x)
		}
	case Date:
		switch p.kind {
		case KindDate:
			return DateCell(x)
		case KindDateTime:
			// Midnight of that day in the sheet's zone: a date cell is the
			// day's serial, which a datetime column shows as 00:00. A
			// datetime at midnight UTC would show another hour in Berlin.
			return DateCell(x)
		}
	case time.Time:
		switch p.kind {
		case KindDateTime:
			return DateTime(x)
		case KindDate:
			// The day in the offset Zoho sent, i.e. the CRM user's zone.
			return DateCell(Date{x.Year(), x.Month(), x.Day()})
		}
	}
	s := text(v)
	if s == "" {
		return Cell{}
	}
	return Text(s)
}

// text formats a scalar for a text cell.
func text(v Value) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case Date:
		return x.String()
	case time.Time:
		return x.Format(time.RFC3339)
	case Lookup:
		return lookupDisplay(x)
	case json.Number:
		return x.String()
	}
	return fmt.Sprint(v)
}
