package cimom

import (
	"context"
	"slices"
	"strings"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
	"github.com/gowmi/gowmi/wql"
)

func (s *services) queryReq(language, query string, flags wbem.Flags, wctx *wbem.Context) *request {
	return &request{method: wbem.MethodExecQuery, flags: flags, param: query,
		run: func(ctx context.Context, out provider.Sink) (string, error) {
			return "", s.execQuery(ctx, language, query, flags, wctx, out)
		}}
}

// execQuery runs a data, schema or association query.
func (s *services) execQuery(ctx context.Context, language, query string, flags wbem.Flags, wctx *wbem.Context, out provider.Sink) error {
	st, err := wql.ParseLanguage(language, query)
	if err != nil {
		return err
	}
	switch st := st.(type) {
	case *wql.Associators, *wql.References:
		if flags&wbem.FlagPrototype != 0 {
			return status.New(status.InvalidParameter, "WBEM_FLAG_PROTOTYPE applies to SELECT queries")
		}
		return s.runAssoc(ctx, assocFromAST(st), flags, wctx, out)
	case *wql.Select:
		switch {
		case st.Kind == wql.KindSchema:
			return s.schemaQuery(ctx, st, out)
		case st.Within != 0 || st.GroupWithin != 0:
			return status.Errorf(status.InvalidQuery, "%q is an event query: use ExecNotificationQuery", query)
		}
		return s.dataQuery(ctx, st, query, flags, wctx, out)
	}
	return status.Errorf(status.InvalidQuery, "unsupported statement %q", query)
}

// dataQuery enumerates the FROM class deep, offering the query to
// providers, then filters and projects every object.
func (s *services) dataQuery(ctx context.Context, st *wql.Select, text string, flags wbem.Flags, wctx *wbem.Context, out provider.Sink) error {
	class, err := s.getClass(ctx, st.From)
	if err != nil {
		return err
	}
	if flags&wbem.FlagEnsureLocatable != 0 {
		st = withKeys(st, class)
	}
	q, err := wql.Compile(st, class)
	if err != nil {
		return err
	}
	if flags&wbem.FlagPrototype != 0 {
		proto := prototype(st, class)
		s.locate(proto)
		return out.Send(proto)
	}
	spec := enumSpec{
		deep: true, directRead: flags&wbem.FlagDirectRead != 0, flags: flags, wctx: wctx,
		filter: func(o cim.Object) (cim.Object, bool, error) {
			if !q.Match(o) {
				return nil, false, nil
			}
			p, err := q.Project(o)
			return p, err == nil, err
		},
		query: &provider.QueryRequest{Query: text, PinnedKeys: st.PinnedKeys(class)},
	}
	return s.enumerate(ctx, class, spec, out)
}

// withKeys returns the statement with the class's keys added to its
// property list, as WBEM_FLAG_ENSURE_LOCATABLE asks.
func withKeys(st *wql.Select, class *cim.Class) *wql.Select {
	if st.Properties == nil {
		return st
	}
	c := *st
	c.Properties = slices.Clone(st.Properties)
	for _, k := range class.Keys() {
		found := false
		for _, p := range c.Properties {
			if len(p.Path) == 1 && strings.EqualFold(p.Path[0], k.Name) {
				found = true
			}
		}
		if !found {
			c.Properties = append(c.Properties, &wql.Prop{Path: []string{k.Name}})
		}
	}
	return &c
}

// prototype returns the class of a query's results (WBEM_FLAG_PROTOTYPE):
// the FROM class with only the selected properties.
func prototype(st *wql.Select, class *cim.Class) *cim.Class {
	if st.Properties == nil {
		return class
	}
	p := &cim.Class{Name: class.Name, Qualifiers: class.AllQualifiers().Local()}
	for _, prop := range class.AllProperties() {
		for _, sel := range st.Properties {
			if strings.EqualFold(sel.Path[0], prop.Name) {
				p.Properties = append(p.Properties, prop.Clone())
				break
			}
		}
	}
	return p
}

// schemaQuery answers SELECT * FROM meta_class [WHERE ...]: the classes of
// the namespace that match.
func (s *services) schemaQuery(ctx context.Context, st *wql.Select, out provider.Sink) error {
	q, err := wql.Compile(st, nil)
	if err != nil {
		return err
	}
	var classes []*cim.Class
	err = s.conn.om.store.View(ctx, func(tx repository.Tx) error {
		var err error
		classes, err = tx.Classes(s.ns, "", true)
		return err
	})
	if err != nil {
		return err
	}
	b := &batcher{out: locatingSink{out, s}}
	for _, c := range classes {
		s.locate(c)
		if q.Match(c) {
			if err := b.add(c); err != nil {
				return err
			}
		}
	}
	return b.flush()
}

func (s *services) ExecQuery(ctx context.Context, language, query string, flags wbem.Flags, wctx *wbem.Context) (wbem.Enumerator, error) {
	return s.syncEnum(ctx, s.queryReq(language, query, flags, wctx))
}

func (s *services) ExecQueryAsync(ctx context.Context, language, query string, flags wbem.Flags, wctx *wbem.Context, sink wbem.Sink) error {
	return s.async(ctx, s.queryReq(language, query, flags, wctx), sink)
}
