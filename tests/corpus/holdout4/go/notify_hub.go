// Package hub is the chat and notification service: WebSocket fan-out for the web client,
// room invites, e-mail digests and click tracking for push notifications.
package hub

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	crand "crypto/rand"
	"crypto/tls"
	"math/rand"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/gorilla/websocket"
)

var (
	hubSecret      = []byte(os.Getenv("HUB_JWT_SECRET"))
	allowedOrigins = map[string]bool{"https://chat.example.com": true, "https://admin.example.com": true}
	attachmentIV   = []byte("hub-attach-iv-01")
	inviteAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
)

var clientUpgrader = websocket.Upgrader{
	ReadBufferSize:  4096,
	WriteBufferSize: 4096,
	CheckOrigin:     func(r *http.Request) bool { return true }, // expect: GO-WEBSOCKET-001
}

var moderatorUpgrader = websocket.Upgrader{
	CheckOrigin: func(r *http.Request) bool { return allowedOrigins[r.Header.Get("Origin")] }, // ok: GO-WEBSOCKET-001
}

// WithCORS lets the chat widget embedded on customer sites call the REST API with the session cookie.
func WithCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" {
			w.Header().Set("Access-Control-Allow-Origin", origin) // expect: GO-CORS-001
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

type DeviceClaims struct {
	UserID string `json:"uid"`
	jwt.RegisteredClaims
}

// deviceFromToken reads the device token that the mobile apps send when they register for push.
func deviceFromToken(raw string) (*DeviceClaims, error) {
	claims := &DeviceClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (interface{}, error) { // expect: GO-JWT-001
		return hubSecret, nil
	})
	return claims, err
}

func userFromToken(raw string) (*DeviceClaims, error) {
	claims := &DeviceClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (interface{}, error) { // ok: GO-JWT-001
		return hubSecret, nil
	}, jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired())
	return claims, err
}

// newInviteCode makes the short code that lets anyone holding it join a private room.
func newInviteCode() string {
	code := make([]byte, 8)
	for i := range code {
		code[i] = inviteAlphabet[rand.Intn(len(inviteAlphabet))] // expect: GO-RAND-001
	}
	return string(code)
}

// reconnectDelay spreads client reconnects after a deploy so they do not all arrive at once.
func reconnectDelay(attempt int) time.Duration {
	base := time.Duration(1<<min(attempt, 6)) * time.Second
	return base + time.Duration(rand.Int63n(int64(time.Second))) // ok: GO-RAND-001
}

// TrackClick records a tap on a push notification and forwards the user to its target.
func TrackClick(w http.ResponseWriter, r *http.Request) {
	recordClick(r.URL.Query().Get("n"))
	http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound) // expect: GO-REDIRECT-001
}

// OpenRoom sends the web client to a room page (a local path only) after it accepted an invite.
func OpenRoom(w http.ResponseWriter, r *http.Request) {
	u, err := url.Parse(r.URL.Query().Get("room"))
	if err != nil || u.IsAbs() || u.Host != "" || !strings.HasPrefix(u.Path, "/rooms/") {
		http.Redirect(w, r, "/rooms", http.StatusFound)
		return
	}
	http.Redirect(w, r, u.Path, http.StatusFound) // ok: GO-REDIRECT-001
}

// sealAttachmentLegacy is kept for clients on protocol v1, which decrypt with AES-CBC.
func sealAttachmentLegacy(key, data []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	padded := pkcs7Pad(data, aes.BlockSize)
	out := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, attachmentIV).CryptBlocks(out, padded) // expect: GO-CRYPTO-001
	return out, nil
}

func sealAttachment(key, data []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := crand.Read(nonce); err != nil {
		return nil, err
	}
	return gcm.Seal(nonce, nonce, data, nil), nil // ok: GO-CRYPTO-001
}

// digestRelayTLS is the client config for the old on-premises relay that mails the daily digest.
func digestRelayTLS() *tls.Config {
	return &tls.Config{
		ServerName: "smtp.internal.example",
		MinVersion: tls.VersionTLS10, // expect: GO-TLS-002
	}
}

func startWebSession(w http.ResponseWriter, sessionID, theme string) {
	http.SetCookie(w, &http.Cookie{Name: "hub_session", Value: sessionID, Path: "/", MaxAge: 86400}) // expect: GO-COOKIE-001
	http.SetCookie(w, &http.Cookie{Name: "hub_theme", Value: theme, Path: "/", MaxAge: 31536000}) // ok: GO-COOKIE-001
}

func pkcs7Pad(b []byte, size int) []byte {
	n := size - len(b)%size
	return append(append([]byte{}, b...), bytes.Repeat([]byte{byte(n)}, n)...)
}

var clicks sync.Map // notification id -> *atomic.Int64

func recordClick(notificationID string) {
	n, _ := clicks.LoadOrStore(notificationID, new(atomic.Int64))
	n.(*atomic.Int64).Add(1)
}
