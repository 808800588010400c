package zoho

import "context"

// ProbeCOQL finds out before any read whether this refresh token may read
// through COQL, which needs ZohoCRM.coql.READ and, for owners' names, the
// users list (ZohoCRM.users.READ): a refusal for a missing scope switches
// the client to Get Records, as a run's first read would, so ReadPath says
// so. It costs the users list and one COQL count of module (1 credit).
// Other errors are returned: they belong to whoever reads module next.
func (c *Client) ProbeCOQL(ctx context.Context, module string) error {
	if c.noCOQL.Load() != nil {
		return nil
	}
	_, err := c.userNames(ctx)
	if err == nil {
		_, err = c.CountWhere(ctx, module, "")
	}
	if scopeMissing(err) {
		c.disableCOQL(err)
		return nil
	}
	return err
}
