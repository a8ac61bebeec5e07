package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const sessionCookieName = "sid" // ok: GO-SECRET-001

var signingKey = []byte("k8Zq2vN0rT5wLm3xPa7cYe1uHd9sBf4G") // expect: GO-SECRET-001

var adminAPIKey = os.Getenv("ADMIN_API_KEY") // ok: GO-SECRET-001

type User struct {
	ID           int64
	Email        string
	PasswordHash string
	Role         string
}

type Store interface {
	UserByEmail(email string) (*User, error)
	SaveSession(token string, userID int64, expires time.Time) error
}

type Handlers struct {
	store Store
	log   *slog.Logger
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// hashPassword turns a password into the hex digest stored in users.password_hash.
func hashPassword(password string) string {
	sum := sha256.Sum256([]byte("storefront:" + password)) // expect: GO-HASH-001
	return hex.EncodeToString(sum[:])
}

const tokenAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func newSessionToken() string {
	b := make([]byte, 32)
	for i := range b {
		b[i] = tokenAlphabet[rand.Intn(len(tokenAlphabet))] // expect: GO-RAND-001
	}
	return string(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (h *Handlers) Login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "malformed body"})
		return
	}
	user, err := h.store.UserByEmail(req.Email)
	if errors.Is(err, sql.ErrNoRows) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no account registered with this email"}) // expect: GO-ENUM-001
		return
	} else if err != nil {
		h.log.Error("user lookup", "err", err, "email", req.Email) // ok: GO-LOG-001
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
		return
	}
	if hashPassword(req.Password) != user.PasswordHash { // expect: GO-TIMING-001
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "incorrect password"}) // expect: GO-ENUM-001
		return
	}
	token := newSessionToken()
	if err := h.store.SaveSession(token, user.ID, time.Now().Add(12*time.Hour)); err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookieName, Value: token, Path: "/", MaxAge: 43200}) // expect: GO-COOKIE-001
	http.SetCookie(w, &http.Cookie{Name: "ui_theme", Value: "light", Path: "/", MaxAge: 31536000}) // ok: GO-COOKIE-001
	http.Redirect(w, r, r.URL.Query().Get("next"), http.StatusSeeOther) // expect: GO-REDIRECT-001
}

// safeNext keeps post-logout redirects on this site.
func safeNext(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || len(u.Path) == 0 || u.Path[0] != '/' || (len(u.Path) > 1 && u.Path[1] == '/') {
		return "/"
	}
	return u.RequestURI()
}

func (h *Handlers) Logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookieName, Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true}) // ok: GO-COOKIE-001
	http.Redirect(w, r, safeNext(r.FormValue("next")), http.StatusSeeOther) // ok: GO-REDIRECT-001
}

type Claims struct {
	Role string `json:"role"`
	jwt.RegisteredClaims
}

// RequireAdmin accepts either the service API key or a bearer token with the admin role.
func (h *Handlers) RequireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if key := r.Header.Get("X-Admin-Key"); key != "" { // ok: GO-TIMING-001
			if adminAPIKey != "" && subtle.ConstantTimeCompare([]byte(key), []byte(adminAPIKey)) == 1 { // ok: GO-TIMING-001
				next.ServeHTTP(w, r)
				return
			}
		}
		raw := r.Header.Get("Authorization")
		if len(raw) < 8 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		claims := &Claims{}
		_, err := jwt.ParseWithClaims(raw[7:], claims, func(t *jwt.Token) (any, error) { // expect: GO-JWT-001
			return signingKey, nil
		})
		if err != nil || claims.Role != "admin" {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// ParseServiceToken verifies tokens minted by the billing service.
func ParseServiceToken(raw string, key []byte) (*Claims, error) {
	claims := &Claims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) { return key, nil }, // ok: GO-JWT-001
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired())
	return claims, err
}
