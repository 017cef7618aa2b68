import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { completePendingSignIn } from "./auth/complete-sign-in";
import { takeTokenFromFragment } from "./auth/session";

// Before anything renders, so the token never stays in the address bar or history.
takeTokenFromFragment();

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root");
// On AWS, the identity provider's redirect back is completed first (a no-op on any other address).
void completePendingSignIn().finally(() =>
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  ),
);
