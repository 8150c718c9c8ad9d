module github.com/inboxd/inboxd/bench

go 1.26.0

require github.com/inboxd/inboxd v0.0.0

require golang.org/x/text v0.44.0 // indirect

require (
	github.com/mattn/go-sqlite3 v1.14.53
	github.com/oklog/ulid/v2 v2.1.2 // indirect
	go.etcd.io/bbolt v1.5.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

replace github.com/inboxd/inboxd => ../
