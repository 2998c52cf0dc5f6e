// Entry of the Vue 3 app.
import { createApp } from 'vue';
import App from './App.vue';

createApp(App).mount('#app');
