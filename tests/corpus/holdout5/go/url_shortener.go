// Command shorty is a self-hosted URL shortener with unlisted links, previews, click
// statistics and a live click counter (chi, database/sql on SQLite, gorilla/websocket,
// golang-jwt). Attacker data: anyone on the internet creates links and opens previews;
// targets, the titles fetched from them, query strings, Origin headers, bearer tokens.
package main

import (
	"database/sql"
	"fmt"
	"html/template"
	"io"
	"log"
	"math/rand"
	"net/http"
	_ "net/http/pprof"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/websocket"
)

const slugAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

var (
	titleRe     = regexp.MustCompile(`(?is)<title>(.*?)</title>`)
	previewTmpl = template.Must(template.New("preview").Parse(
		`<html><body><h2>{{.Title}}</h2><p>This link goes to <code>{{.Target}}</code></p></body></html>`))
)

type App struct {
	db     *sql.DB
	jwtKey []byte
}

// randomSlug builds the path segment of an unlisted link; whoever knows it can open the link.
func randomSlug(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = slugAlphabet[rand.Intn(len(slugAlphabet))] // expect: GO-RAND-001
	}
	return string(b)
}

func (a *App) CreateLink(w http.ResponseWriter, r *http.Request) {
	target := r.FormValue("target")
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		http.Error(w, "only http(s) links can be shortened", http.StatusBadRequest)
		return
	}
	slug := randomSlug(8)
	title := a.fetchTitle(target)
	if _, err := a.db.Exec("INSERT INTO links (slug, target, title) VALUES (?, ?, ?)", slug, target, title); err != nil {
		http.Error(w, "could not save link", http.StatusInternalServerError)
		return
	}
	fmt.Fprintf(w, "https://sho.rt.example/%s\n", slug)
}

// fetchTitle grabs the <title> of the target for the preview page.
func (a *App) fetchTitle(target string) string {
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(target) // expect: GO-SSRF-001
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if m := titleRe.FindSubmatch(head); m != nil {
		return strings.TrimSpace(string(m[1]))
	}
	return ""
}

func (a *App) Follow(w http.ResponseWriter, r *http.Request) {
	var target string
	if err := a.db.QueryRow("SELECT target FROM links WHERE slug = ?", chi.URLParam(r, "slug")).Scan(&target); err != nil {
		http.NotFound(w, r)
		return
	}
	http.Redirect(w, r, target, http.StatusMovedPermanently) // ok: GO-REDIRECT-001
}

func (a *App) Preview(w http.ResponseWriter, r *http.Request) {
	var target, title string
	if err := a.db.QueryRow("SELECT target, title FROM links WHERE slug = ?", chi.URLParam(r, "slug")).Scan(&target, &title); err != nil {
		http.NotFound(w, r)
		return
	}
	previewTmpl.Execute(w, map[string]any{"Title": template.HTML(title), "Target": target}) // expect: GO-XSS-001
}

func (a *App) Referrers(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	claims := jwt.MapClaims{}
	raw := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if _, _, err := jwt.NewParser().ParseUnverified(raw, claims); err != nil { // expect: GO-JWT-001
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	owner, _ := claims["sub"].(string)
	filter := r.URL.Query().Get("q")
	q := fmt.Sprintf("SELECT referrer, COUNT(*) FROM clicks WHERE owner = ? AND referrer LIKE '%%%s%%' GROUP BY referrer", filter)
	rows, err := a.db.Query(q, owner) // expect: GO-SQLI-001
	if err != nil {
		http.Error(w, "query failed", http.StatusInternalServerError)
		return
	}
	defer rows.Close()
	for rows.Next() {
		ref, n := "", 0
		rows.Scan(&ref, &n)
		fmt.Fprintf(w, "%d\t%s\n", n, ref) // ok: GO-XSS-001
	}
}

var upgrader = websocket.Upgrader{
	ReadBufferSize: 512,
	CheckOrigin:    func(r *http.Request) bool { return true }, // expect: GO-WEBSOCKET-001
}

func (a *App) LiveClicks(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	for {
		conn.WriteJSON(map[string]int{"clicks": 0})
		// jitter spreads the polling of many dashboards; nothing secret depends on it
		time.Sleep(2*time.Second + time.Duration(rand.Intn(500))*time.Millisecond) // ok: GO-RAND-001
	}
}

func withCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin")) // expect: GO-CORS-001
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		next.ServeHTTP(w, r)
	})
}

func main() {
	db, _ := sql.Open("sqlite3", "/var/lib/shorty/links.db")
	app := &App{db: db, jwtKey: []byte(os.Getenv("SHORTY_JWT_KEY"))}
	r := chi.NewRouter()
	r.Use(withCORS)
	r.Post("/api/links", app.CreateLink)
	r.Get("/api/referrers", app.Referrers)
	r.Get("/live", app.LiveClicks)
	r.Get("/{slug}+", app.Preview)
	r.Get("/{slug}", app.Follow)
	http.Handle("/", r)
	log.Fatal(http.ListenAndServe(":8080", nil)) // expect: GO-DEBUG-001
}
