// The shared styles first: each page's own stylesheet comes after them, as it did in one file.
import "./styles/base.css";
import "./styles/layout.css";
import "./styles/components.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App, preloadPage } from "./App";

// The first page's code downloads while the session is checked, not after.
preloadPage(window.location.pathname);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
