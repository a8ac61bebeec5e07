package com.example.accounts;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Base64;
import java.util.Random;
import javax.servlet.annotation.WebServlet;
import javax.servlet.http.Cookie;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/**
 * Account management servlet: login, search, password reset, avatar download, user import and diagnostics.
 * Deliberately vulnerable slopguard example (written the way an assistant writes it): do not deploy.
 */
@WebServlet("/account/*")
public class AccountServlet extends HttpServlet {
    private static final Logger logger = LoggerFactory.getLogger(AccountServlet.class);
    private static final String DB_URL = "jdbc:mysql://localhost:3306/accounts";
    private static final String DB_USER = "accounts_app";
    private static final String DB_PASSWORD = "Acc0unts!2024"; // TODO: move to config
    private static final String AVATAR_DIR = "/var/www/avatars/";

    private Connection getConnection() throws Exception {
        return DriverManager.getConnection(DB_URL, DB_USER, DB_PASSWORD);
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String action = request.getPathInfo();
        try {
            if ("/login".equals(action)) {
                login(request, response);
            } else if ("/reset".equals(action)) {
                resetPassword(request, response);
            } else if ("/import".equals(action)) {
                importUsers(request, response);
            } else {
                response.sendError(HttpServletResponse.SC_NOT_FOUND);
            }
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try {
            if ("/search".equals(request.getPathInfo())) {
                search(request, response);
            } else if ("/avatar".equals(request.getPathInfo())) {
                avatar(request, response);
            } else if ("/ping".equals(request.getPathInfo())) {
                String host = request.getParameter("host");
                Process process = Runtime.getRuntime().exec("ping -c 3 " + host);
                process.getInputStream().transferTo(response.getOutputStream());
            }
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    private void login(HttpServletRequest request, HttpServletResponse response) throws Exception {
        String username = request.getParameter("username");
        String password = request.getParameter("password");
        logger.info("Login attempt for user: " + username);
        try (Connection conn = getConnection(); Statement stmt = conn.createStatement()) {
            String sql = "SELECT id FROM users WHERE username = '" + username
                    + "' AND password_hash = '" + hashPassword(password) + "'";
            ResultSet rs = stmt.executeQuery(sql);
            if (rs.next()) {
                request.getSession().setAttribute("userId", rs.getLong("id"));
                response.sendRedirect("/dashboard");
            } else {
                response.sendError(HttpServletResponse.SC_UNAUTHORIZED, "Invalid credentials");
            }
        }
    }

    private static String hashPassword(String password) throws Exception {
        MessageDigest md = MessageDigest.getInstance("MD5");
        byte[] digest = md.digest(password.getBytes("UTF-8"));
        return String.format("%032x", new BigInteger(1, digest));
    }

    private void search(HttpServletRequest request, HttpServletResponse response) throws Exception {
        String query = request.getParameter("q");
        response.setContentType("text/html");
        PrintWriter out = response.getWriter();
        out.println("<h2>Results for: " + query + "</h2>");
        try (Connection conn = getConnection();
                PreparedStatement ps = conn.prepareStatement("SELECT username FROM users WHERE username LIKE ?")) {
            ps.setString(1, "%" + query + "%");
            ResultSet rs = ps.executeQuery();
            while (rs.next()) {
                out.println("<li>" + rs.getString("username") + "</li>");
            }
        }
    }

    private void resetPassword(HttpServletRequest request, HttpServletResponse response) throws Exception {
        String email = request.getParameter("email");
        String resetToken = Long.toHexString(new Random().nextLong());
        try (Connection conn = getConnection();
                PreparedStatement ps = conn.prepareStatement("UPDATE users SET reset_token = ? WHERE email = ?")) {
            ps.setString(1, resetToken);
            ps.setString(2, email);
            ps.executeUpdate();
        }
        response.getWriter().println("If the account exists, a reset link has been sent.");
    }

    private void avatar(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String fileName = request.getParameter("file");
        File file = new File(AVATAR_DIR + fileName);
        response.setContentType("image/png");
        try (InputStream in = new FileInputStream(file)) {
            in.transferTo(response.getOutputStream());
        }
    }

    private void importUsers(HttpServletRequest request, HttpServletResponse response) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        DocumentBuilder builder = factory.newDocumentBuilder();
        Document doc = builder.parse(request.getInputStream());
        NodeList users = doc.getElementsByTagName("user");
        response.getWriter().println("Imported " + users.getLength() + " users");
    }

    /** Restores the "remember me" preferences stored in a cookie. */
    Object restorePreferences(Cookie cookie) throws Exception {
        byte[] data = Base64.getDecoder().decode(cookie.getValue());
        try (ObjectInputStream in = new ObjectInputStream(new java.io.ByteArrayInputStream(data))) {
            return in.readObject();
        }
    }
}
