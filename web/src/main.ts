// Entry point: theme, Pinia, router, the app shell, and the tab's one connection.
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { router } from './router'
import { useConnectionStore } from './stores/connection'
import './theme.css'

const app = createApp(App)
app.use(createPinia())
app.use(router)
app.mount('#app')
useConnectionStore().connect()
