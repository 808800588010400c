package zohotest

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// record is one version of a CRM record. Versions are immutable: Update
// stores a new one, so page-token snapshots keep the values they listed.
type record struct {
	id                string
	idx               int // index of a seeded record, -1 when made by Create
	h                 hasher
	created, modified int64          // unix seconds
	over              map[string]any // values set by Create/Update (normalised)
}

type deletion struct {
	id          string
	displayName any
	typ         string // "recycle" | "permanent"
	by          *user
	createdBy   *user
	at          int64
}

// module is the data of one CRM module.
type module struct {
	schema   *moduleSchema
	recs     []*record // live records in id order (ids grow with creation)
	byID     map[string]*record
	seeded   []string // ids of seeded records by index, for lookups
	deleted  []*deletion
	layoutID string
	version  uint64 // bumps on every change
}

// defaultRecords is the data set when Options.Records is nil.
var defaultRecords = map[string]int{"Leads": 25, "Contacts": 25, "Accounts": 25, "Deals": 25}

func (s *Server) nextID() string {
	s.idSeq += 1 + s.rng.next()%23
	return strconv.FormatUint(idBase+s.idSeq, 10)
}

func (s *Server) initData() {
	s.start = s.now
	s.idSeq = 2_500_000 + s.rng.next()%100_000
	s.mods = map[string]*module{}
	counts := s.opts.Records
	if counts == nil {
		counts = defaultRecords
	}
	seedBase := mix64(uint64(s.opts.Seed) + 0x2a)
	for i, name := range moduleOrder {
		sc := schemas()[name]
		if !sc.apiSupported {
			continue
		}
		m := &module{schema: sc, byID: map[string]*record{},
			layoutID: strconv.FormatUint(idBase+3_000_000+uint64(i)*7, 10)}
		s.mods[name] = m
		s.seed(m, counts[name], seedBase^fnv64(name))
	}
}

// seedSpan is how far back seeded records were created.
const seedSpan = 730 * 24 * time.Hour

// seed creates n records of m spread over the last two years, in id
// order, with one deleted record after every 20 live ones. About one
// record in 12 was last modified by a bulk import at one shared instant,
// so Modified_Time has large ties, as real data does.
func (s *Server) seed(m *module, n int, base uint64) {
	if n == 0 || !m.schema.listable {
		return
	}
	now := s.now.Unix()
	span := int64(seedSpan / time.Second)
	step := span / int64(n)
	importAt := now - 3*24*3600 - 1234
	m.recs = make([]*record, 0, n)
	m.seeded = make([]string, 0, n)
	dh := hasher(base ^ 0xde1e7ed)
	for i := 0; i < n; i++ {
		h := hasher(mix64(base + uint64(i)*0x9e3779b97f4a7c15))
		created := now - span + int64(i)*step
		if step > 1 {
			created += int64(h.u(1) % uint64(step))
		}
		modified := created
		switch {
		case h.chance(2, 8) && created < importAt:
			modified = importAt
		case h.chance(3, 60):
			modified = created + int64(h.u(4)%uint64(now-created+1))
		}
		r := &record{id: s.nextID(), idx: i, h: h, created: created, modified: modified}
		m.recs = append(m.recs, r)
		m.byID[r.id] = r
		m.seeded = append(m.seeded, r.id)
		if i%20 == 19 {
			d := &deletion{id: s.nextID(), typ: "recycle", at: now - int64(dh.u(uint64(i))%(90*24*3600))}
			if dh.chance(uint64(i)+1, 25) {
				d.typ = "permanent"
			} else {
				d.displayName = lastNames[dh.pick(uint64(i)+2, len(lastNames))]
				d.by, d.createdBy = users[dh.pick(uint64(i)+3, len(users))], users[0]
			}
			m.deleted = append(m.deleted, d)
		}
	}
	sort.Slice(m.deleted, func(a, b int) bool { return m.deleted[a].at < m.deleted[b].at })
}

// value returns field f of record r: what Create/Update set, else the
// system value, else the seeded value. Callers hold s.mu.
func (s *Server) value(m *module, r *record, f *fieldSpec) any {
	if f == nil {
		return nil
	}
	switch f.api {
	case "id":
		return r.id
	case "Created_Time":
		return dtV(r.created)
	case "Modified_Time":
		return dtV(r.modified)
	}
	if v, ok := r.over[f.api]; ok {
		return v
	}
	if r.idx < 0 || f.gen == nil {
		return nil
	}
	g := gen{s: s, m: m, r: r}
	return f.gen(&g, f.key)
}

func (s *Server) mustModule(name string) *module {
	m := s.mods[name]
	if m == nil || !m.schema.listable {
		panic(fmt.Sprintf("zohotest: no module %q (want one of %s)", name, strings.Join(seedableModules(), ", ")))
	}
	return m
}

// Create adds a record to module with JSON-shaped field values (strings,
// numbers, bools, nil, {"name","id"} objects, arrays) and returns its new
// 19-digit id. Created_Time and Modified_Time are Now(); Owner defaults to
// the API user. It panics on an unknown module or field (a test bug).
func (s *Server) Create(moduleName string, fields map[string]any) (id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.mustModule(moduleName)
	now := s.now.Unix()
	r := &record{id: s.nextID(), idx: -1, created: now, modified: now, over: map[string]any{}}
	sc := m.schema
	for _, f := range sc.fields {
		switch f.api {
		case "Owner", "Created_By", "Modified_By":
			r.over[f.api] = users[0]
		case "Layout":
			r.over[f.api] = lookupV{"Standard", m.layoutID}
		case "Tag":
			r.over[f.api] = []lookupV{}
		case "Record_Status__s":
			r.over[f.api] = "Available"
		case "Locked__s", "Converted__s", "Email_Opt_Out":
			r.over[f.api] = false
		case "Pipeline":
			r.over[f.api] = "Standard (Standard)"
		}
	}
	s.setFields(m, r, fields)
	if _, ok := fields["Full_Name"]; !ok && sc.field("Full_Name") != nil {
		s.fillFullName(m, r)
	}
	m.recs = append(m.recs, r)
	m.byID[r.id] = r
	m.version++
	return r.id
}

func (s *Server) fillFullName(m *module, r *record) {
	f, _ := s.value(m, r, m.schema.field("First_Name")).(string)
	l, _ := s.value(m, r, m.schema.field("Last_Name")).(string)
	r.over["Full_Name"] = strings.TrimSpace(f + " " + l)
}

func (s *Server) setFields(m *module, r *record, fields map[string]any) {
	for k, v := range fields {
		f := m.schema.field(k)
		if f == nil || k == "id" || k == "Created_Time" || k == "Modified_Time" {
			panic(fmt.Sprintf("zohotest: %s has no settable field %q", m.schema.name, k))
		}
		r.over[k] = normalise(f, v)
	}
}

// Update sets fields of a record (JSON-shaped values, nil clears) and
// bumps its Modified_Time to Now(). It panics on an unknown module,
// record or field.
func (s *Server) Update(moduleName, id string, fields map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.mustModule(moduleName)
	old := m.byID[id]
	if old == nil {
		panic(fmt.Sprintf("zohotest: Update: no %s record %s", moduleName, id))
	}
	r := *old
	r.over = maps.Clone(old.over)
	if r.over == nil {
		r.over = map[string]any{}
	}
	s.setFields(m, &r, fields)
	_, full := fields["Full_Name"]
	_, fn := fields["First_Name"]
	_, ln := fields["Last_Name"]
	if !full && (fn || ln) && m.schema.field("Full_Name") != nil {
		s.fillFullName(m, &r)
	}
	r.over["Modified_By"] = users[0]
	r.modified = s.now.Unix()
	s.replace(m, &r)
}

// Touch bumps a record's Modified_Time to Now() without changing a value.
func (s *Server) Touch(moduleName, id string) { s.Update(moduleName, id, nil) }

func (s *Server) replace(m *module, r *record) {
	i := sort.Search(len(m.recs), func(i int) bool { return m.recs[i].id >= r.id })
	m.recs[i] = r
	m.byID[r.id] = r
	m.version++
}

// Delete moves a record to the recycle bin: it leaves Get Records and
// shows up in /deleted (type recycle) at Now(). It panics on an unknown
// module or record.
func (s *Server) Delete(moduleName, id string) { s.remove(moduleName, id, "recycle") }

// DeletePermanently deletes a record for good: /deleted lists it as type
// permanent, without its name.
func (s *Server) DeletePermanently(moduleName, id string) { s.remove(moduleName, id, "permanent") }

func (s *Server) remove(moduleName, id, typ string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.mustModule(moduleName)
	r := m.byID[id]
	if r == nil {
		panic(fmt.Sprintf("zohotest: Delete: no %s record %s", moduleName, id))
	}
	i := sort.Search(len(m.recs), func(i int) bool { return m.recs[i].id >= id })
	m.recs = append(m.recs[:i:i], m.recs[i+1:]...)
	delete(m.byID, id)
	d := &deletion{id: id, typ: typ, at: s.now.Unix()}
	if typ == "recycle" {
		d.displayName = s.value(m, r, m.schema.field(m.schema.displayField))
		d.by = users[0]
		d.createdBy, _ = s.value(m, r, m.schema.field("Created_By")).(*user)
	}
	m.deleted = append(m.deleted, d)
	m.version++
}

// Record returns a JSON-shaped copy of a record (as GET /crm/v8/{module}/{id}
// would decode: strings, float64, bool, nil, map[string]any, []any).
func (s *Server) Record(moduleName, id string) (map[string]any, bool) {
	s.mu.Lock()
	m := s.mods[moduleName]
	if m == nil {
		s.mu.Unlock()
		return nil, false
	}
	r := m.byID[id]
	if r == nil {
		s.mu.Unlock()
		return nil, false
	}
	b := s.appendRecord(nil, m, r, m.schema.fields)
	s.mu.Unlock()
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		panic("zohotest: record JSON: " + err.Error())
	}
	return out, true
}

// IDs returns the ids of a module's live records in ascending order.
func (s *Server) IDs(moduleName string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.mods[moduleName]
	if m == nil {
		return nil
	}
	out := make([]string, len(m.recs))
	for i, r := range m.recs {
		out[i] = r.id
	}
	return out
}

// Count returns the number of live records of a module.
func (s *Server) Count(moduleName string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.mods[moduleName]; m != nil {
		return len(m.recs)
	}
	return 0
}

// normalise turns a caller's JSON-shaped value into the stored form.
func normalise(f *fieldSpec, v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		if f.dataType == "date" {
			return x.Format(time.DateOnly)
		}
		return dtV(x.Unix())
	case int:
		return numberFor(f, float64(x), int64(x))
	case int32:
		return numberFor(f, float64(x), int64(x))
	case int64:
		return numberFor(f, float64(x), x)
	case float32:
		return numberFor(f, float64(x), int64(x))
	case float64:
		return numberFor(f, x, int64(x))
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return numberFor(f, float64(n), n)
		}
		fl, _ := x.Float64()
		return numberFor(f, fl, int64(fl))
	case []string:
		return append([]string{}, x...)
	case []any:
		if f.dataType == "multiselectpicklist" {
			out := make([]string, 0, len(x))
			for _, e := range x {
				out = append(out, fmt.Sprint(e))
			}
			return out
		}
		if f.api == "Tag" {
			out := make([]lookupV, 0, len(x))
			for _, e := range x {
				switch t := e.(type) {
				case map[string]any:
					n, _ := t["name"].(string)
					id, _ := t["id"].(string)
					out = append(out, lookupV{n, id})
				case string:
					out = append(out, lookupV{t, strconv.FormatUint(idBase+92000+fnv64(t)%1000, 10)})
				}
			}
			return out
		}
	case map[string]any:
		name, _ := x["name"].(string)
		id, _ := x["id"].(string)
		if f.dataType == "ownerlookup" {
			email, _ := x["email"].(string)
			return &user{name: name, id: id, email: email}
		}
		if (f.dataType == "lookup" || f.dataType == "layout") && len(x) <= 2 && id != "" {
			return lookupV{name, id}
		}
	}
	return v
}

func numberFor(f *fieldSpec, fl float64, n int64) any {
	if f.jsonType == "integer" {
		if fl != math.Trunc(fl) {
			panic(fmt.Sprintf("zohotest: %s is an integer field, got %v", f.api, fl))
		}
		return n
	}
	return fl
}
