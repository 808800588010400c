package zoho

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"
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
			if t, err := parseDateTime(s); err == nil {
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
	var fast zsync.Lookup
	if parseFlatObject(raw, func(k, v []byte) {
		switch string(k) {
		case "id":
			fast.ID = string(v)
		case "name":
			fast.Name = string(v)
		case "email":
			fast.Email = string(v)
		}
	}) {
		return fast, fast.ID != ""
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

// zones caches fixed zones by offset: time.Parse makes a new one per value.
var zones sync.Map // int (seconds east) → *time.Location

// parseDateTime parses Zoho's "2006-01-02T15:04:05+05:30" (or Z) without
// allocating a zone per value; other shapes go to time.Parse.
func parseDateTime(s string) (time.Time, error) {
	if len(s) == 25 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' &&
		(s[19] == '+' || s[19] == '-') && s[22] == ':' {
		y, ok1 := atoiN(s[0:4])
		mo, ok2 := atoiN(s[5:7])
		d, ok3 := atoiN(s[8:10])
		h, ok4 := atoiN(s[11:13])
		mi, ok5 := atoiN(s[14:16])
		se, ok6 := atoiN(s[17:19])
		oh, ok7 := atoiN(s[20:22])
		om, ok8 := atoiN(s[23:25])
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && ok8 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 &&
			h < 24 && mi < 60 && se < 60 && om < 60 {
			off := oh*3600 + om*60
			if s[19] == '-' {
				off = -off
			}
			loc, ok := zones.Load(off)
			if !ok {
				loc, _ = zones.LoadOrStore(off, time.FixedZone("", off))
			}
			t := time.Date(y, time.Month(mo), d, h, mi, se, 0, loc.(*time.Location))
			if t.Day() == d { // not 31 February
				return t, nil
			}
		}
	}
	return time.Parse(time.RFC3339, s)
}

func atoiN(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// parseFlatObject reads a JSON object whose values are all strings (or
// null) without escapes, as Zoho's lookups are, calling set for each pair.
// It reports false for anything else; the caller then uses encoding/json.
func parseFlatObject(raw []byte, set func(k, v []byte)) bool {
	i := skipWS(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return false
	}
	i = skipWS(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return skipWS(raw, i+1) == len(raw)
	}
	for {
		k, j, ok := scanPlainString(raw, i)
		if !ok {
			return false
		}
		i = skipWS(raw, j)
		if i >= len(raw) || raw[i] != ':' {
			return false
		}
		i = skipWS(raw, i+1)
		if bytes.HasPrefix(raw[i:], []byte("null")) {
			i += 4
		} else {
			v, j, ok := scanPlainString(raw, i)
			if !ok {
				return false
			}
			set(k, v)
			i = j
		}
		i = skipWS(raw, i)
		if i >= len(raw) {
			return false
		}
		switch raw[i] {
		case ',':
			i = skipWS(raw, i+1)
		case '}':
			return skipWS(raw, i+1) == len(raw)
		default:
			return false
		}
	}
}

// scanPlainString returns the contents of the string at raw[i] if it has
// no escapes, and the index after it.
func scanPlainString(raw []byte, i int) ([]byte, int, bool) {
	if i >= len(raw) || raw[i] != '"' {
		return nil, 0, false
	}
	for j := i + 1; j < len(raw); j++ {
		switch raw[j] {
		case '\\':
			return nil, 0, false
		case '"':
			return raw[i+1 : j], j + 1, true
		}
	}
	return nil, 0, false
}

func skipWS(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
		i++
	}
	return i
}
