import { mount } from "svelte";
import App from "./App.svelte";
import { createBackend } from "./lib/api";
import { recordCspViolations } from "./lib/csp";
import "./app.css";

recordCspViolations();

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");

export default mount(App, { target, props: { backend: createBackend() } });
