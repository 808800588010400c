package zohotest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The COQL parser: select_query text → coqlQuery, refusing what Zoho
// refuses (§5.1).

// parseCOQL parses a query and resolves it against the module schemas.
func parseCOQL(src string) (*coqlQuery, *apiError) {
	toks, aerr := lexCOQL(src)
	if aerr != nil {
		return nil, aerr
	}
	p := &coqlParser{toks: toks}
	return p.query()
}

type coqlTokKind uint8

const (
	tkEOF coqlTokKind = iota
	tkIdent
	tkString
	tkNumber
	tkPunct
)

type coqlTok struct {
	kind coqlTokKind
	text string // identifier, unquoted string, number or punctuation
	col  int    // 1-based column
}

func (t coqlTok) is(kw string) bool { return t.kind == tkIdent && strings.EqualFold(t.text, kw) }

func lexCOQL(src string) ([]coqlTok, *apiError) {
	var out []coqlTok
	i := 0
	for i < len(src) {
		ch := src[i]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
			i++
		case ch == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(src) && src[j] != '\''; j++ {
				if src[j] == '\\' && j+1 < len(src) {
					j++
				}
				b.WriteByte(src[j])
			}
			if j >= len(src) {
				return nil, coqlSyntax(src[i:], i+1)
			}
			out = append(out, coqlTok{tkString, b.String(), i + 1})
			i = j + 1
		case ch == '-' && i+1 < len(src) && isDigit(src[i+1]) || isDigit(ch):
			j := i + 1
			for j < len(src) && (isDigit(src[j]) || src[j] == '.') {
				j++
			}
			out = append(out, coqlTok{tkNumber, src[i:j], i + 1})
			i = j
		case isIdentByte(ch):
			j := i + 1
			for j < len(src) && (isIdentByte(src[j]) || isDigit(src[j]) || src[j] == '.' || src[j] == '#') {
				j++
			}
			out = append(out, coqlTok{tkIdent, src[i:j], i + 1})
			i = j
		default:
			for _, op := range []string{"!=", "<=", ">=", "=", "<", ">", "(", ")", ",", "*"} {
				if strings.HasPrefix(src[i:], op) {
					out = append(out, coqlTok{tkPunct, op, i + 1})
					i += len(op)
					goto next
				}
			}
			return nil, coqlSyntax(src[i:min(len(src), i+10)], i+1)
		next:
		}
	}
	return append(out, coqlTok{kind: tkEOF, col: len(src) + 1}), nil
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }
func isIdentByte(b byte) bool {
	return b == '_' || b == '$' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

type coqlParser struct {
	toks     []coqlTok
	pos      int
	mod      *moduleSchema
	criteria int
}

func (p *coqlParser) peek() coqlTok { return p.toks[p.pos] }
func (p *coqlParser) next() coqlTok {
	t := p.toks[p.pos]
	if t.kind != tkEOF {
		p.pos++
	}
	return t
}

func (p *coqlParser) unexpected(t coqlTok) *apiError {
	near := t.text
	if t.kind == tkEOF {
		near = "end of query"
	}
	return coqlSyntax(near, t.col)
}

func (p *coqlParser) expectPunct(s string) *apiError {
	if t := p.next(); t.kind != tkPunct || t.text != s {
		return p.unexpected(t)
	}
	return nil
}

var coqlKeywords = []string{"select", "from", "where", "and", "or", "not", "in", "like", "between", "is", "null",
	"order", "by", "asc", "desc", "limit", "offset", "as", "group"}

func isKeyword(t coqlTok) bool {
	for _, k := range coqlKeywords {
		if t.is(k) {
			return true
		}
	}
	return false
}

type rawColumn struct {
	path, alias string
	count       bool
	col         int
}

func (p *coqlParser) query() (*coqlQuery, *apiError) {
	if t := p.next(); !t.is("select") {
		return nil, p.unexpected(t)
	}
	var raws []rawColumn
	for {
		rc, err := p.selectItem()
		if err != nil {
			return nil, err
		}
		raws = append(raws, rc)
		if t := p.peek(); t.kind == tkPunct && t.text == "," {
			p.next()
			continue
		}
		break
	}
	if t := p.next(); !t.is("from") {
		if t.kind == tkEOF {
			return nil, coqlMissingClause("from")
		}
		return nil, p.unexpected(t)
	}
	mt := p.next()
	if mt.kind != tkIdent || isKeyword(mt) {
		return nil, p.unexpected(mt)
	}
	if strings.Contains(mt.text, "#") {
		return nil, coqlInvalid("the custom view given seems to be invalid", map[string]any{"module": mt.text})
	}
	sc, ok := schemas()[mt.text]
	if !ok || !sc.apiSupported || !sc.listable {
		return nil, coqlInvalid("the module given seems to be invalid", map[string]any{"module": mt.text})
	}
	p.mod = sc
	q := &coqlQuery{schema: sc, limit: coqlDefaultLimit}
	if len(raws) > coqlMaxColumns {
		return nil, coqlLimit("select columns limit exceeded", map[string]any{"limit": coqlMaxColumns, "by": "select_columns"})
	}
	keys := map[string]bool{}
	counts := 0
	for _, rc := range raws {
		path, err := p.resolve(rc.path, rc.col)
		if err != nil {
			return nil, err
		}
		if err := selectable(path); err != nil {
			return nil, err
		}
		key := rc.path
		if rc.count {
			key = "COUNT(" + rc.path + ")"
			counts++
		}
		if rc.alias != "" {
			if keys[rc.alias] {
				return nil, newAPIError(http.StatusBadRequest, "DUPLICATE_ALIAS", "duplicate alias given", map[string]any{"alias": rc.alias})
			}
			key = rc.alias
		} else if keys[key] {
			return nil, newAPIError(http.StatusBadRequest, "DUPLICATE_DATA", "duplicate column given", map[string]any{"column_name": rc.path})
		}
		keys[key] = true
		q.cols = append(q.cols, coqlColumn{path: path, key: key, count: rc.count})
	}
	if counts > 0 && counts != len(q.cols) {
		return nil, coqlInvalid("invalid query formed", map[string]any{"reason": "aggregate and plain columns need a group by clause"})
	}
	switch t := p.next(); {
	case t.is("where"):
		w, err := p.cond()
		if err != nil {
			return nil, err
		}
		q.where = w
		if p.criteria > coqlMaxCriteria {
			return nil, coqlLimit("criteria limit exceeded", map[string]any{"limit": coqlMaxCriteria, "by": "criteria"})
		}
	case t.kind == tkEOF || t.is("order") || t.is("limit") || t.is("group"):
		return nil, coqlMissingClause("where")
	default:
		return nil, p.unexpected(t)
	}
	if t := p.peek(); t.is("group") {
		return nil, coqlInvalid("group by is not supported by the emulator", map[string]any{"clause": "group by"})
	}
	if p.peek().is("order") {
		p.next()
		if t := p.next(); !t.is("by") {
			return nil, p.unexpected(t)
		}
		for {
			path, err := p.field()
			if err != nil {
				return nil, err
			}
			o := coqlOrder{path: path}
			if n := p.peek(); n.is("asc") || n.is("desc") {
				o.desc = p.next().is("desc")
			}
			q.order = append(q.order, o)
			if n := p.peek(); n.kind == tkPunct && n.text == "," {
				p.next()
				continue
			}
			break
		}
		if len(q.order) > coqlMaxOrderBy {
			return nil, coqlLimit("order by limit exceeded", map[string]any{"limit": coqlMaxOrderBy, "by": "order_by"})
		}
	}
	if p.peek().is("limit") {
		p.next()
		a, err := p.number()
		if err != nil {
			return nil, err
		}
		q.limit = a
		switch t := p.peek(); {
		case t.kind == tkPunct && t.text == ",":
			p.next()
			b, err := p.number()
			if err != nil {
				return nil, err
			}
			q.offset, q.limit = a, b
		case t.is("offset"):
			p.next()
			b, err := p.number()
			if err != nil {
				return nil, err
			}
			q.offset = b
		}
		if q.limit < 1 {
			return nil, coqlInvalid("the limit given seems to be invalid", map[string]any{"clause": "limit"})
		}
		if q.limit > coqlMaxLimit {
			return nil, coqlLimit("limit exceeded", map[string]any{"limit": coqlMaxLimit, "by": "limit"})
		}
		if q.offset+q.limit > coqlMaxRecords {
			return nil, coqlLimit("Max records limit exceeded", map[string]any{"limit": coqlMaxRecords})
		}
	}
	if t := p.next(); t.kind != tkEOF {
		return nil, p.unexpected(t)
	}
	return q, nil
}

func (p *coqlParser) number() (int, *apiError) {
	t := p.next()
	if t.kind != tkNumber {
		return 0, p.unexpected(t)
	}
	n, err := strconv.Atoi(t.text)
	if err != nil || n < 0 {
		return 0, p.unexpected(t)
	}
	return n, nil
}

func (p *coqlParser) selectItem() (rawColumn, *apiError) {
	t := p.next()
	var rc rawColumn
	rc.col = t.col
	switch {
	case t.is("count") && p.peek().kind == tkPunct && p.peek().text == "(":
		p.next()
		in := p.next()
		if in.kind != tkIdent || isKeyword(in) {
			return rc, p.unexpected(in)
		}
		if err := p.expectPunct(")"); err != nil {
			return rc, err
		}
		rc.path, rc.count = in.text, true
	case t.kind == tkIdent && !isKeyword(t), t.kind == tkString:
		rc.path = t.text
	default:
		return rc, p.unexpected(t)
	}
	if p.peek().is("as") {
		p.next()
		a := p.next()
		if a.kind != tkIdent && a.kind != tkString || a.kind == tkIdent && isKeyword(a) {
			return rc, p.unexpected(a)
		}
		if strings.TrimSpace(a.text) == "" || strings.Contains(a.text, ".") {
			return rc, newAPIError(http.StatusBadRequest, "INVALID_ALIAS", "the alias given seems to be invalid", map[string]any{"alias": a.text})
		}
		rc.alias = a.text
	}
	return rc, nil
}

// field reads a field path (order by, where) and resolves it.
func (p *coqlParser) field() (*coqlPath, *apiError) {
	t := p.next()
	if t.kind != tkIdent || isKeyword(t) {
		return nil, p.unexpected(t)
	}
	return p.resolve(t.text, t.col)
}

// resolve turns a dotted path into fields: each segment but the last must
// be a lookup, and at most two lookups are crossed.
func (p *coqlParser) resolve(text string, col int) (*coqlPath, *apiError) {
	segs := strings.Split(text, ".")
	if len(segs)-1 > coqlMaxRelations {
		return nil, coqlLimit("lookup relations limit exceeded", map[string]any{"limit": coqlMaxRelations, "column_name": text})
	}
	sc := p.mod
	path := &coqlPath{text: text}
	for i, seg := range segs {
		f := sc.field(seg)
		if f == nil {
			return nil, coqlInvalid("column given seems to be invalid", map[string]any{"column_name": text, "line": 1, "column": col})
		}
		path.fields = append(path.fields, f)
		if i < len(segs)-1 {
			if f.dataType != "lookup" || f.lookupModule == "" {
				return nil, coqlInvalid("column given seems to be invalid", map[string]any{"column_name": text, "line": 1, "column": col})
			}
			sc = schemas()[f.lookupModule]
		}
	}
	return path, nil
}

// unsupportedTypes cannot be selected or filtered (§5.1.1); Tag is not
// documented for COQL and the emulator refuses it (reference: UNCONFIRMED).
var unsupportedTypes = []string{"multiselectlookup", "imageupload", "subform", "fileupload"}

func selectable(p *coqlPath) *apiError {
	for _, f := range p.fields {
		if slices.Contains(unsupportedTypes, f.dataType) || f.api == "Tag" {
			return coqlInvalid("data type not supported", map[string]any{"column_name": p.text, "data_type": f.dataType})
		}
	}
	return nil
}

// cond parses one condition or a pair joined by and/or; a third needs
// brackets (§5.1).
func (p *coqlParser) cond() (*coqlCond, *apiError) {
	left, err := p.primary()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	if !t.is("and") && !t.is("or") {
		return left, nil
	}
	p.next()
	right, err := p.primary()
	if err != nil {
		return nil, err
	}
	if n := p.peek(); n.is("and") || n.is("or") {
		return nil, p.unexpected(n) // ((A and B) and C) is required
	}
	return &coqlCond{op: strings.ToLower(t.text), left: left, right: right}, nil
}

func (p *coqlParser) primary() (*coqlCond, *apiError) {
	if t := p.peek(); t.kind == tkPunct && t.text == "(" {
		p.next()
		c, err := p.cond()
		if err != nil {
			return nil, err
		}
		if err := p.expectPunct(")"); err != nil {
			return nil, err
		}
		return c, nil
	}
	return p.comparison()
}

func (p *coqlParser) comparison() (*coqlCond, *apiError) {
	path, err := p.field()
	if err != nil {
		return nil, err
	}
	if err := selectable(path); err != nil {
		return nil, err
	}
	p.criteria++
	c := &coqlCond{path: path}
	op := p.next()
	switch {
	case op.kind == tkPunct && slices.Contains([]string{"=", "!=", "<", "<=", ">", ">="}, op.text):
		c.cmp = op.text
		v, err := p.value(path, op.text)
		if err != nil {
			return nil, err
		}
		c.vals = []any{v}
	case op.is("is"):
		c.cmp = "is null"
		if p.peek().is("not") {
			p.next()
			c.cmp = "is not null"
		}
		if n := p.next(); !n.is("null") {
			return nil, p.unexpected(n)
		}
		return c, nil
	case op.is("not") || op.is("in") || op.is("like") || op.is("between"):
		neg := ""
		if op.is("not") {
			neg = "not "
			op = p.next()
		}
		switch {
		case op.is("in"):
			c.cmp = neg + "in"
			if err := p.expectPunct("("); err != nil {
				return nil, err
			}
			for {
				v, err := p.value(path, c.cmp)
				if err != nil {
					return nil, err
				}
				c.vals = append(c.vals, v)
				n := p.next()
				if n.kind == tkPunct && n.text == ")" {
					break
				}
				if n.kind != tkPunct || n.text != "," {
					return nil, p.unexpected(n)
				}
			}
			if len(c.vals) > coqlMaxInValues {
				return nil, coqlLimit("in values limit exceeded", map[string]any{"limit": coqlMaxInValues, "column_name": path.text})
			}
		case op.is("like"):
			c.cmp = neg + "like"
			v := p.next()
			if v.kind != tkString {
				return nil, p.unexpected(v)
			}
			if !likeable(path.last()) {
				return nil, errOperator(path, c.cmp)
			}
			c.vals = []any{v.text}
		case op.is("between"):
			c.cmp = neg + "between"
			lo, err := p.value(path, c.cmp)
			if err != nil {
				return nil, err
			}
			if n := p.next(); !n.is("and") {
				return nil, p.unexpected(n)
			}
			hi, err := p.value(path, c.cmp)
			if err != nil {
				return nil, err
			}
			c.vals = []any{lo, hi}
		default:
			return nil, p.unexpected(op)
		}
	default:
		return nil, p.unexpected(op)
	}
	return c, nil
}

func errOperator(path *coqlPath, op string) *apiError {
	return coqlInvalid("invalid operator found", map[string]any{"column_name": path.text, "operator": op,
		"data_type": path.last().dataType})
}

func likeable(f *fieldSpec) bool {
	switch f.dataType {
	case "text", "textarea", "email", "phone", "website", "picklist", "autonumber",
		// The reference is silent; the emulator chooses to match the
		// values joined by ";", as = does.
		"multiselectpicklist":
		return true
	}
	return false
}

// ordered data types take <, <=, >, >= and between.
func ordered(f *fieldSpec) bool {
	switch f.dataType {
	case "integer", "double", "currency", "percent", "bigint", "date", "datetime", "formula":
		return true
	}
	return false
}

// value reads one literal and normalises it for the column's type: the
// form compareValues expects (float64 for numbers and datetimes, string
// for text, dates, ids and lookups, bool).
func (p *coqlParser) value(path *coqlPath, op string) (any, *apiError) {
	t := p.next()
	f := path.last()
	isOrd := op == "<" || op == "<=" || op == ">" || op == ">=" || strings.HasSuffix(op, "between")
	if isOrd && !ordered(f) {
		return nil, errOperator(path, op)
	}
	bad := func() (any, *apiError) {
		return nil, coqlInvalid("value given seems to be invalid for the column", map[string]any{"column_name": path.text,
			"expected_data_type": f.dataType, "near": t.text})
	}
	if t.kind != tkString && t.kind != tkNumber && !(t.kind == tkIdent && (t.is("true") || t.is("false"))) {
		return nil, p.unexpected(t)
	}
	switch f.dataType {
	case "datetime":
		s := t.text
		tm, err := time.Parse(time.RFC3339, s)
		if t.kind != tkString || err != nil || strings.Contains(s, ".") {
			return bad()
		}
		return float64(tm.Unix()), nil
	case "date":
		if _, err := time.Parse(time.DateOnly, t.text); t.kind != tkString || err != nil {
			return bad()
		}
		return t.text, nil
	case "integer", "double", "currency", "percent", "formula":
		n, err := strconv.ParseFloat(t.text, 64)
		if t.kind == tkIdent || err != nil {
			return bad()
		}
		return n, nil
	case "bigint", "lookup", "ownerlookup", "layout":
		if d := strings.TrimLeft(t.text, "0"); t.kind == tkIdent || d != "" && !isID(d) {
			return bad()
		}
		return t.text, nil
	case "boolean":
		if op != "=" { // booleans take = only (§5.1.1)
			return nil, errOperator(path, op)
		}
		switch strings.ToLower(t.text) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return bad()
	}
	if t.kind != tkString {
		return bad()
	}
	return t.text, nil
}

// serveCOQL runs a parsed query. Callers spent the credits already.
