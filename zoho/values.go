package zoho

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// decodeValue turns one JSON value of a record into a zsync.Value, by the
// field's metadata when known (f != nil) and by the JSON's shape otherwise
// or when the value does not fit its declared type: a sync must not fail
// over one odd value, and the raw text is kept.
func decodeValue(raw []byte, f *zsync.Field) zsync.Value {
	if len(raw) == 0 || raw[0] == 'n' { // null
		return nil
	}
	if f != nil {
		if v, ok := decodeTyped(raw, f); ok {
			return v
		}
	}
	return decodeShape(raw)
}

func decodeTyped(raw []byte, f *zsync.Field) (zsync.Value, bool) {
	if f.APIName == "Tag" {
		return decodeLookupArray(raw)
	}
	switch f.DataType {
	case "lookup", "ownerlookup", "userlookup", "layout":
		return decodeLookup(raw)
	case "date":
		if s, ok := jsonString(raw); ok {
			if d, err := zsync.ParseDate(s); err == nil {
				return d, true
			}
		}
	case "datetime":
		if s, ok := jsonString(raw); ok {
			if t, err := time.Parse(time.RFC3339, s); err == nil {
				return t, true
			}
		}
	case "multiselectpicklist":
		var ss []string
		if raw[0] == '[' && json.Unmarshal(raw, &ss) == nil {
			return ss, true
		}
	case "integer":
		if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
			return n, true
		}
	case "bigint":
		// Ids and long integers stay text: float64 would lose digits.
		if s, ok := jsonString(raw); ok {
			return s, true
		}
		if isNumber(raw) {
			return string(raw), true
		}
	case "double", "currency", "percent", "decimal":
		if n, err := strconv.ParseFloat(string(raw), 64); err == nil {
			return n, true
		}
		if s, ok := jsonString(raw); ok { // some exports quote numbers
			if n, err := strconv.ParseFloat(s, 64); err == nil {
				return n, true
			}
		}
	case "boolean":
		switch string(raw) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	case "text", "textarea", "email", "phone", "website", "picklist", "autonumber", "profileimage":
		if s, ok := jsonString(raw); ok {
			return s, true
		}
	}
	return nil, false
}

// decodeShape decodes a value of unknown type by its JSON shape.
func decodeShape(raw []byte) zsync.Value {
	switch raw[0] {
	case '"':
		if s, ok := jsonString(raw); ok {
			return s
		}
	case 't':
		return true
	case 'f':
		return false
	case '{':
		if v, ok := decodeLookup(raw); ok {
			return v
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) == nil {
			out := make(map[string]zsync.Value, len(m))
			for k, v := range m {
				out[k] = decodeValue(v, nil)
			}
			return out
		}
	case '[':
		var ss []string
		if json.Unmarshal(raw, &ss) == nil {
			return ss
		}
		if v, ok := decodeLookupArray(raw); ok {
			return v
		}
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) == nil {
			out := make([]zsync.Value, len(items))
			for i, it := range items {
				out[i] = decodeValue(it, nil)
			}
			return out
		}
	default:
		if isNumber(raw) {
			if bytes.ContainsAny(raw, ".eE") {
				if n, err := strconv.ParseFloat(string(raw), 64); err == nil {
					return n
				}
			} else if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
				return n
			}
			return string(raw) // too long for int64: keep every digit
		}
	}
	return string(raw)
}

type lookupJSON struct {
	ID    json.RawMessage `json:"id"`
	Name  string          `json:"name"`
	Email string          `json:"email"`
}

func (l *lookupJSON) lookup() (zsync.Lookup, bool) {
	if len(l.ID) == 0 {
		return zsync.Lookup{}, false
	}
	id, ok := jsonString(l.ID)
	if !ok {
		if !isNumber(l.ID) {
			return zsync.Lookup{}, false
		}
		id = string(l.ID)
	}
	return zsync.Lookup{ID: id, Name: l.Name, Email: l.Email}, true
}

// decodeLookup decodes {"name","id"[,"email"]}; a bare id string (COQL,
// Bulk Read) is a lookup without a name.
func decodeLookup(raw []byte) (zsync.Value, bool) {
	if s, ok := jsonString(raw); ok {
		return zsync.Lookup{ID: s}, true
	}
	if raw[0] != '{' {
		return nil, false
	}
	var l lookupJSON
	if json.Unmarshal(raw, &l) != nil {
		return nil, false
	}
	return l.lookup()
}

// decodeLookupArray decodes [{"name","id"},…] (tags) into []Value of Lookup.
func decodeLookupArray(raw []byte) (zsync.Value, bool) {
	if raw[0] != '[' {
		return nil, false
	}
	var ls []lookupJSON
	if json.Unmarshal(raw, &ls) != nil {
		return nil, false
	}
	out := make([]zsync.Value, len(ls))
	for i := range ls {
		l, ok := ls[i].lookup()
		if !ok {
			return nil, false
		}
		out[i] = l
	}
	return out, true
}

// jsonString decodes a JSON string, without a second pass when it has no
// escapes (the common case).
func jsonString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func isNumber(raw []byte) bool {
	if len(raw) == 0 {
		return false
	}
	c := raw[0]
	return c == '-' || (c >= '0' && c <= '9')
}
