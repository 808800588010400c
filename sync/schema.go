package sync

import (
	"context"
	"fmt"
	"strings"
)

// MaxRelations is how many lookups a field path may go through: COQL
// selects through at most two (Contact_Name.Account_Name.Industry).
const MaxRelations = 2

// Schema is the field metadata paths are resolved against: the module's own
// fields and the fields of the modules its lookups point at.
type Schema struct {
	Module string
	Fields []Field
	// Related holds the fields of related modules by API name (Accounts).
	Related map[string][]Field
}

// FieldPath is a resolved field path.
type FieldPath struct {
	// Key is where the value is in Record.Fields: the field's API name, or
	// the dotted path through lookups (Account_Name.Industry) under which
	// the source returns a related record's field.
	Key string
	// Field is the field the path ends at (in the related module for a
	// path through lookups).
	Field Field
	// Rest are keys walked into the value (Owner.name: ["name"]).
	Rest []string
	// Relations are the lookups walked through, as keys: ["Contact_Name",
	// "Contact_Name.Account_Name"]. Empty for a field of the module itself.
	Relations []string
}

// idField is the record id, which field metadata does not list.
var idField = Field{APIName: KeyField, Label: "Record Id", DataType: "bigint", JSONType: "string"}

// traversable reports whether a path may continue into the lookup's
// module: a lookup to a CRM module (not a user or a layout).
func traversable(f *Field) bool {
	return f.DataType == "lookup" && f.LookupModule != ""
}

// Resolve resolves a dotted path. A path continues past a lookup into the
// related module's fields (Account_Name.Industry), except for the lookup's
// own id, name and email (Account_Name.name), through at most MaxRelations
// lookups; past any other field it walks into the value (Tag.name).
func (s Schema) Resolve(path string) (FieldPath, *MappingError) {
	segs := strings.Split(path, ".")
	bad := func(msg, fix string) (FieldPath, *MappingError) {
		return FieldPath{}, &MappingError{Field: path, Msg: msg, Fix: fix}
	}
	for _, seg := range segs {
		if seg == "" {
			return bad("empty field path or path segment", `write the field's API name, e.g. "Full_Name" or "Owner.name"`)
		}
	}
	if path == KeyField {
		return FieldPath{Key: KeyField, Field: idField}, nil
	}
	fields, module := s.Fields, s.Module
	var rels []string
	for i := 0; ; i++ {
		f, ok := findField(fields, segs[i])
		if !ok {
			where := "this module"
			if i > 0 {
				where = fmt.Sprintf("module %s (the lookup %s points there)", module, strings.Join(segs[:i], "."))
			}
			if i == 0 && strings.EqualFold(segs[0], KeyField) {
				return bad("the record id is spelled id and has no sub-fields", "did you mean id?")
			}
			return bad("no such field in "+where, unknownFieldHint(segs[i], fields))
		}
		key := strings.Join(segs[:i+1], ".")
		rest := segs[i+1:]
		fp := FieldPath{Key: key, Field: *f, Rest: rest, Relations: rels}
		if len(rest) == 0 {
			return fp, nil
		}
		if !isLookup(f.DataType) {
			return fp, nil // walks into an object or array value (Tag.name)
		}
		if len(rest) == 1 && lookupKey(rest[0]) >= 0 {
			return fp, nil
		}
		if !traversable(f) {
			return bad(fmt.Sprintf("%s is a lookup: it has only id, name and email", key),
				fmt.Sprintf("use %s.name, %s.id or %s.email", key, key, key))
		}
		if len(rels) == MaxRelations {
			return bad(fmt.Sprintf("goes through more than %d lookups", MaxRelations),
				"COQL reads related fields through at most two lookups, e.g. Contact_Name.Account_Name.Industry")
		}
		related, ok := s.Related[f.LookupModule]
		if !ok {
			return bad(fmt.Sprintf("%s is a lookup to %s, whose fields were not loaded", key, f.LookupModule),
				fmt.Sprintf("use %s.name or %s.id, or run where the %s metadata can be read", key, key, f.LookupModule))
		}
		rels = append(append([]string(nil), rels...), key)
		fields, module = related, f.LookupModule
	}
}

func findField(fields []Field, name string) (*Field, bool) {
	for i := range fields {
		if fields[i].APIName == name {
			return &fields[i], true
		}
	}
	if name == KeyField {
		return &idField, true
	}
	return nil, false
}

// LoadSchema reads the field metadata of a module and of every module the
// given paths reach through lookups. Paths that do not resolve are left for
// Resolve to report.
func LoadSchema(ctx context.Context, src Source, module string, paths []string) (Schema, error) {
	fields, err := src.Fields(ctx, module)
	if err != nil {
		if ue := unknownModule(ctx, src, module); ue != nil {
			return Schema{}, ue
		}
		return Schema{}, err // it names the module (see Source.Fields)
	}
	s := Schema{Module: module, Fields: fields, Related: map[string][]Field{}}
	for _, p := range paths {
		segs := strings.Split(p, ".")
		cur := fields
		for i := 0; i < len(segs)-1 && i < MaxRelations; i++ {
			f, ok := findField(cur, segs[i])
			if !ok || !traversable(f) || (i == len(segs)-2 && lookupKey(segs[i+1]) >= 0) {
				break
			}
			rel, loaded := s.Related[f.LookupModule]
			if !loaded {
				rel, err = src.Fields(ctx, f.LookupModule)
				if err != nil {
					return Schema{}, fmt.Errorf("follow %s to %s: %w", segs[i], f.LookupModule, err)
				}
				s.Related[f.LookupModule] = rel
			}
			cur = rel
		}
	}
	return s, nil
}
