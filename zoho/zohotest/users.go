package zohotest

import (
	"net/http"
	"strconv"
	"strings"
)

// userTypes are the type values GET /users takes (§4a.2: the docs' list;
// the OAS enum is shorter and lacks AllUsers, the default).
var userTypes = []string{"AllUsers", "ActiveUsers", "DeactiveUsers", "ConfirmedUsers", "NotConfirmedUsers",
	"DeletedUsers", "ActiveConfirmedUsers", "AdminUsers", "ActiveConfirmedAdmins", "CurrentUser"}

// listUsers serves GET /crm/v8/users (scope ZohoCRM.users.READ): the
// org's users, page/per_page (≤200), 204 past the last page. Every
// emulated user is active, confirmed and an admin; users[0] is the API user.
func (c *call) listUsers() {
	if !c.requireScope("ZohoCRM.users.READ", "ZohoCRM.users.ALL") {
		return
	}
	q := c.r.URL.Query()
	typ := "AllUsers"
	if q.Has("type") {
		typ = q.Get("type")
		found := false
		for _, t := range userTypes {
			found = found || t == typ
		}
		if !found {
			c.fail(newAPIError(http.StatusBadRequest, "INVALID_DATA", "the type given seems to be invalid",
				map[string]any{"param": "type", "expected_data": strings.Join(userTypes, ",")}))
			return
		}
	}
	page, perPage, ok := c.pageParams(q)
	if !ok {
		return
	}
	list := users
	switch typ {
	case "DeactiveUsers", "NotConfirmedUsers", "DeletedUsers":
		list = nil
	case "CurrentUser":
		list = users[:1]
	}
	off, end, ok := c.pageOf(page, perPage, len(list))
	if !ok {
		return
	}
	out := make([]any, 0, end-off)
	for _, u := range list[off:end] {
		first := strings.TrimSpace(strings.TrimSuffix(u.name, u.lastName()))
		var fn any = first
		if first == "" {
			fn = nil
		}
		out = append(out, map[string]any{
			"id": u.id, "full_name": u.name, "first_name": fn, "last_name": u.lastName(), "email": u.email,
			"status": "active", "confirm": true,
			"role":    map[string]any{"name": "CEO", "id": strconv.FormatUint(idBase+87001, 10)},
			"profile": map[string]any{"name": "Administrator", "id": strconv.FormatUint(idBase+88001, 10)},
		})
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"users": out, "info": map[string]any{
		"per_page": perPage, "count": len(out), "page": page, "more_records": end < len(list)}})
}
