// Package sso handles sign-in to the multi-tenant SaaS console: tenant IdP discovery, the
// OpenID Connect authorization-code callback, and the local break-glass login for operators.
package sso

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"
)

type Service struct {
	db         *sql.DB
	clientID   string
	secret     string
	signingKey *rsa.PrivateKey
	idpKeys    map[string]*rsa.PublicKey
	client     *http.Client
}

func NewService(db *sql.DB, idpKeys map[string]*rsa.PublicKey) (*Service, error) {
	key, err := rsa.GenerateKey(rand.Reader, 1024) // expect: GO-CRYPTO-001
	if err != nil {
		return nil, err
	}
	return &Service{db: db, clientID: os.Getenv("SSO_CLIENT_ID"), secret: os.Getenv("SSO_CLIENT_SECRET"),
		signingKey: key, idpKeys: idpKeys, client: &http.Client{Timeout: 10 * time.Second}}, nil
}

// Discover returns the metadata of the identity provider a tenant admin is about to connect.
func (s *Service) Discover(w http.ResponseWriter, r *http.Request) {
	issuer := strings.TrimSuffix(r.URL.Query().Get("issuer"), "/")
	resp, err := s.client.Get(issuer + "/.well-known/openid-configuration") // expect: GO-SSRF-001
	if err != nil {
		http.Error(w, "discovery failed: "+err.Error(), http.StatusBadGateway) // expect: GO-ERRLEAK-001
		return
	}
	defer resp.Body.Close()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.Copy(w, io.LimitReader(resp.Body, 1<<20))
}

func (s *Service) Callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		log.Printf("idp returned %s: %s", e, q.Get("error_description")) // expect: GO-LOG-001
		http.Redirect(w, r, "/login?failed=1", http.StatusFound)
		return
	}
	state, err := r.Cookie("sso_state")
	if err != nil || subtle.ConstantTimeCompare([]byte(state.Value), []byte(q.Get("state"))) != 1 { // ok: GO-TIMING-001
		http.Error(w, "invalid state", http.StatusBadRequest)
		return
	}
	claims, err := s.exchange(r.Context(), q.Get("code"))
	if err != nil {
		slog.Error("code exchange", "err", err)
		http.Error(w, "sign-in failed", http.StatusBadGateway)
		return
	}
	sid := newSessionID()
	sum := sha256.Sum256([]byte(sid)) // ok: GO-HASH-001
	if _, err := s.db.ExecContext(r.Context(), "INSERT INTO sessions (id_hash, subject) VALUES ($1, $2)",
		hex.EncodeToString(sum[:]), claims["sub"]); err != nil {
		http.Error(w, "sign-in failed", http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: "console_session", Value: sid, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}) // ok: GO-COOKIE-001
	next := "/"
	if c, err := r.Cookie("sso_return_to"); err == nil && c.Value != "" {
		next = c.Value
	}
	http.Redirect(w, r, next, http.StatusFound) // expect: GO-REDIRECT-001
}

func (s *Service) exchange(ctx context.Context, code string) (jwt.MapClaims, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"https://console.example.com/sso/callback"},
		"client_id": {s.clientID}, "client_secret": {s.secret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://login.example.com/oauth2/token", strings.NewReader(form.Encode())) // ok: GO-SSRF-001
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var tok struct {
		IDToken string `json:"id_token"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&tok); err != nil {
		return nil, err
	}
	// The key id is read from the unverified header only to choose the key for the verified parse below.
	unverified, _, err := jwt.NewParser().ParseUnverified(tok.IDToken, jwt.MapClaims{}) // ok: GO-JWT-001
	if err != nil {
		return nil, err
	}
	kid, _ := unverified.Header["kid"].(string)
	key, ok := s.idpKeys[kid]
	if !ok {
		return nil, errors.New("unknown signing key")
	}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(tok.IDToken, claims, func(*jwt.Token) (interface{}, error) { return key, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(s.clientID), jwt.WithIssuer("https://login.example.com/"))
	return claims, err
}

// OperatorLogin is the break-glass login used when the tenant's identity provider is down.
func (s *Service) OperatorLogin(w http.ResponseWriter, r *http.Request) {
	var in struct{ Email, Password string }
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&in); err != nil {
		http.Error(w, "invalid request", http.StatusBadRequest)
		return
	}
	var salt, stored string
	err := s.db.QueryRowContext(r.Context(), "SELECT salt, password_hash FROM operators WHERE email = $1", in.Email).Scan(&salt, &stored)
	if errors.Is(err, sql.ErrNoRows) {
		http.Error(w, "no operator with that email", http.StatusNotFound) // expect: GO-ENUM-001
		return
	} else if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	sum := sha256.Sum256([]byte(salt + in.Password)) // expect: GO-HASH-001
	if hex.EncodeToString(sum[:]) != stored { // expect: GO-TIMING-001
		http.Error(w, "wrong password", http.StatusUnauthorized) // expect: GO-ENUM-001
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func hashOperatorPassword(password string) ([]byte, error) {
	return bcrypt.GenerateFromPassword([]byte(password), 12) // ok: GO-HASH-001
}

func newSessionID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // ok: GO-RAND-001
	return base64.RawURLEncoding.EncodeToString(b)
}
