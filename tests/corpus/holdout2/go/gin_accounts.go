// Package accounts exposes sign-up, sign-in, password reset and API-key checks over gin.
package accounts

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"fmt"
	mrand "math/rand"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"
)

type Handler struct {
	DB     *sql.DB
	APIKey string
}

type credentials struct {
	Email    string `json:"email" binding:"required,email"`
	Password string `json:"password" binding:"required"`
}

func hashPassword(password string) string {
	sum := sha256.Sum256([]byte(password)) // expect: GO-HASH-001
	return hex.EncodeToString(sum[:])
}

func newSessionID() (string, error) {
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil { // ok: GO-RAND-001
		return "", err
	}
	return hex.EncodeToString(buf), nil
}

func newResetCode() string {
	const digits = "0123456789"
	code := make([]byte, 8)
	for i := range code {
		code[i] = digits[mrand.Intn(len(digits))] // expect: GO-RAND-001
	}
	return string(code)
}

func (h *Handler) Register(r *gin.Engine) {
	r.GET("/api/members", h.searchMembers)
	r.POST("/api/signup", h.signup)
	r.POST("/api/signin", h.signin)
	r.POST("/api/password/reset", h.requestReset)
	r.GET("/api/internal/stats", h.stats)
}

func (h *Handler) searchMembers(c *gin.Context) {
	team := c.Query("team")
	query := fmt.Sprintf("SELECT id, email FROM members WHERE team = '%s' ORDER BY email", team)
	rows, err := h.DB.Query(query) // expect: GO-SQLI-001
	if err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": "query failed"})
		return
	}
	defer rows.Close()
	c.JSON(http.StatusOK, gin.H{"ok": true})
}

func (h *Handler) signup(c *gin.Context) {
	var in credentials
	if err := c.ShouldBindJSON(&in); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "invalid body"})
		return
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), bcrypt.DefaultCost) // ok: GO-HASH-001
	if err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	_, err = h.DB.Exec("INSERT INTO members (email, password_hash) VALUES ($1, $2)", in.Email, string(hash)) // ok: GO-SQLI-001
	if err != nil {
		c.JSON(http.StatusConflict, gin.H{"error": "could not create account"})
		return
	}
	c.Status(http.StatusCreated)
}

func (h *Handler) signin(c *gin.Context) {
	var in credentials
	if err := c.ShouldBindJSON(&in); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "invalid body"})
		return
	}
	var stored string
	err := h.DB.QueryRow("SELECT password_hash FROM members WHERE email = $1", in.Email).Scan(&stored)
	if err != nil || stored != hashPassword(in.Password) { // expect: GO-TIMING-001
		c.JSON(http.StatusUnauthorized, gin.H{"error": "invalid email or password"}) // ok: GO-ENUM-001
		return
	}
	sid, err := newSessionID()
	if err != nil {
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	c.SetCookie("sid", sid, 3600, "/", "", false, false) // expect: GO-COOKIE-001
	c.JSON(http.StatusOK, gin.H{"ok": true})
}

func (h *Handler) requestReset(c *gin.Context) {
	email := c.PostForm("email")
	var id int64
	if err := h.DB.QueryRow("SELECT id FROM members WHERE email = $1", email).Scan(&id); err != nil {
		c.JSON(http.StatusNotFound, gin.H{"error": "no account found for " + email}) // expect: GO-ENUM-001
		return
	}
	code := newResetCode()
	_, _ = h.DB.Exec("INSERT INTO resets (member_id, code) VALUES ($1, $2)", id, code)
	c.SetCookie("reset_pending", "1", 900, "/", "", true, true) // ok: GO-COOKIE-001
	c.JSON(http.StatusAccepted, gin.H{"status": "sent"})
}

func (h *Handler) stats(c *gin.Context) {
	given := c.GetHeader("X-Api-Key")
	if subtle.ConstantTimeCompare([]byte(given), []byte(os.Getenv("STATS_API_KEY"))) != 1 { // ok: GO-TIMING-001
		c.AbortWithStatus(http.StatusUnauthorized)
		return
	}
	c.JSON(http.StatusOK, gin.H{"members": 0})
}
