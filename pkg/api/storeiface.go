package api

import (
	"context"
	"io"
	"time"

	"github.com/inboxd/inboxd/pkg/inbox"
	"github.com/inboxd/inboxd/pkg/store"
)

// Store is what the API needs of the queue. It is defined here, by its
// user (as pkg/scheduler defines its own), so the API depends on the
// methods it calls rather than on all of *store.Store, and tests can
// replace one behaviour (a failing disk) while the rest stays real.
// *store.Store satisfies it.
type Store interface {
	// items
	Get(id string) (inbox.Item, error)
	Detail(id string) (store.Detail, error)
	ListRawFunc(f store.Filter, fn func(raw []byte)) (nextCursor string, err error)
	Update(id, actor string, ch store.Change) (inbox.Item, error)
	AddNote(id, actor, text string) (inbox.Note, error)
	List(f store.Filter) (store.ListPage, error)
	ApplyRoutes(routes []store.Route, deadlines func(inbox.Item) (*time.Time, *time.Time)) (store.RerouteResult, error)
	Generation() uint64
	IndexLag() (time.Duration, error)

	// replies
	EnqueueReply(itemID string, nr store.NewReply) (reply inbox.Reply, created bool, err error)
	CheckOnePerItem(itemID string, target inbox.ReplyKind) error
	Reply(id string) (inbox.Reply, error)
	Replies(f store.ReplyFilter) (store.ReplyPage, error)
	Requeue(replyID, actor string) (inbox.Reply, error)
	Cancel(replyID, actor string) (inbox.Reply, error)

	// reply templates
	Templates() ([]inbox.Template, error)
	Template(name string) (inbox.Template, error)
	TemplateDetail(name string) (store.TemplateDetail, error)
	CreateTemplate(actor string, t inbox.Template) (inbox.Template, error)
	UpdateTemplate(actor string, t inbox.Template, check func(old inbox.Template) error) (inbox.Template, error)
	DeleteTemplate(actor, name string, check func(old inbox.Template) error) error

	// stats and accounts
	Stats(unit string) (store.Stats, error)
	CountsByUnit() (map[string]store.UnitCounts, error)
	MonthlyReport(year int, month time.Month, unit string) (store.Report, error)
	AccountStates() ([]store.AccountState, error)
	QuarantineSummaries() (map[string]store.QuarantineSummary, error)
	Quarantine(account, cursor string, limit int) (recs []store.QuarantineRecord, next string, err error)

	// tokens
	CreateToken(name string, role inbox.Role, unit string) (secret string, t store.Token, err error)
	LookupToken(secret string) (store.Token, error)
	TokensPage(after string, limit int) (tokens []store.Token, next string, err error)
	RevokeToken(name string) error
	TouchTokens(used map[string]time.Time) error

	// users and sessions
	CreateUser(actor string, nu store.NewUser, code *store.PasswordCode) (store.User, error)
	User(name string) (store.UserDetail, error)
	Users() ([]store.User, error)
	UpdateUser(actor, name string, ch store.UserChange) (store.User, int, error)
	ResetPassword(actor, name string, code store.PasswordCode) (int, error)
	UserCredentials(name string) (store.User, string, error)
	PasswordCodeUser(codeHash []byte, now time.Time) (store.User, error)
	UsePasswordCode(codeHash []byte, now time.Time, passwordHash string) (store.User, int, error)
	CreateSession(hash []byte, username string, at time.Time) error
	Session(hash []byte) (store.Session, store.User, error)
	TouchSession(hash []byte, at time.Time) error
	DeleteSession(hash []byte) error
	DeleteUserSessions(username string) (int, error)

	// operations
	BackupFile(ctx context.Context) (io.ReadCloser, int64, error)
	CheckWritable() error
}

var _ Store = (*store.Store)(nil)
